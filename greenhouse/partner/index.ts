export type { PartnerAuthFailureReason, PartnerAuthResult } from './basic-auth.js';
export { ACCEPT_NON_EMPTY_PASSWORD, MAX_PARTNER_KEY_LENGTH, parsePartnerBasicAuth } from './basic-auth.js';
export type { GreenhouseProfile, ProfileUrlResult } from './profile-url.js';
export { parseGreenhouseProfileUrl } from './profile-url.js';
export type {
  ListTestsResponse,
  Metadata,
  PartnerStatus,
  PartnerTest,
  ResponseErrorRequest,
  SendTestRequest,
  SendTestResponse,
  TestStatusResponse,
} from './schemas.js';
export {
  isHttpUrl,
  ListTestsResponseSchema,
  MetadataSchema,
  PARTNER_STATUSES,
  PartnerStatusSchema,
  PartnerTestSchema,
  RESPONSE_ERROR_ACK,
  ResponseErrorRequestSchema,
  ResponseErrorResponseSchema,
  SendTestCandidateSchema,
  SendTestRequestSchema,
  SendTestResponseSchema,
  TestStatusResponseSchema,
} from './schemas.js';
export type { TestStatusInput } from './test-status.js';
export { buildTestStatus, InvalidTestStatusError, testStatusBody } from './test-status.js';
