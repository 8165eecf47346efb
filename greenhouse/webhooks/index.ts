export type { SignatureFailureReason, SignatureResult } from './signature.js';
export { computeWebhookSignature, verifyWebhookSignature } from './signature.js';
export type { SupportedWebhookAction, WebhookCandidate, WebhookEvent, WebhookParseResult } from './events.js';
export {
  InvalidWebhookPayloadError,
  parseWebhookEvent,
  safeParseWebhookBody,
  safeParseWebhookEvent,
  SUPPORTED_WEBHOOK_ACTIONS,
} from './events.js';
