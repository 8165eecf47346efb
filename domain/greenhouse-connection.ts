/**
 * Shared words about a tenant's Greenhouse connection, safe inside workflows (no I/O).
 */

/** ApplicationFailure type of an activity whose Greenhouse credential was refused: the journey waits. */
export const CREDENTIAL_REFUSED_FAILURE = 'GreenhouseCredentialRefused';

/** The signal that tells a waiting journey its tenant reconnected Greenhouse. */
export const GREENHOUSE_RECONNECTED_SIGNAL = 'greenhouseReconnected';

/** What operators read while a journey waits for its tenant's connection. */
export const waitingForGreenhouseDetail = (reason: string) =>
  `waiting for the tenant to reconnect Greenhouse: ${reason}`;

/** ApplicationFailure type of a completion PATCH whose callback credential Greenhouse refused: the journey waits. */
export const CALLBACK_CREDENTIAL_REFUSED_FAILURE = 'CompletionCallbackCredentialRefused';

/** Which credential a waiting journey waits for: the Harvest connection, or the completion-callback one. */
export type GreenhouseWaitOn = 'harvest' | 'callback';

/** What operators read while a journey waits for a new completion-callback credential. */
export const waitingForCallbackDetail = (reason: string) =>
  `waiting for a new completion-callback credential (activate greenhouse_invite with callbackCredential): ${reason}`;
