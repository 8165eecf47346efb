export type { CallbackAuthScheme } from './auth.js';
export { CALLBACK_AUTH_SCHEME, CallbackCredentialError, callbackAuthHeader } from './auth.js';
export type { CompletionPatchOptions, CompletionPatchResult } from './completion-client.js';
export { DEFAULT_COMPLETION_TIMEOUT_MS, parseCallbackUrl, sendCompletionPatch } from './completion-client.js';
export type { CompletionErrorKind } from './errors.js';
export { CompletionCallbackError, isCompletionCallbackError } from './errors.js';
export type { CallbackUrlPolicy, Resolver } from './url-policy.js';
export {
  checkCallbackUrl,
  DEFAULT_GREENHOUSE_CALLBACK_HOSTS,
  forbiddenAddressReason,
  guardedLookup,
  HOST_PATTERN,
  isSandboxHost,
} from './url-policy.js';
export { guardedFetch } from './guarded-fetch.js';
