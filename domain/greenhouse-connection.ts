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
