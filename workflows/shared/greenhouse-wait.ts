import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineSignal,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { JourneyActivities } from './contract.js';
import {
  CALLBACK_CREDENTIAL_REFUSED_FAILURE,
  CREDENTIAL_REFUSED_FAILURE,
  GREENHOUSE_RECONNECTED_SIGNAL,
} from '../../domain/greenhouse-connection.js';
import { localActivityOptions } from './activity-options.js';

/**
 * When Greenhouse refuses the tenant's credential (revoked, consent lapsed, v1 retired), a journey's
 * Greenhouse step neither fails nor retries blindly: the journey waits, visibly (read model, timeline),
 * until the tenant reconnects. Reconnecting signals the waiting journeys (journeys/resume-after-
 * reconnect.ts); a periodic look at the connection's status covers a signal that never came. A
 * refused completion-callback credential waits the same way, for a new callback credential.
 */
export const greenhouseReconnectedSignal = defineSignal(GREENHOUSE_RECONNECTED_SIGNAL);

/** How often a waiting journey looks at its tenant's connection without a signal. */
const RECHECK_MS = 30 * 60_000;

const { recordGreenhouseWaiting } = proxyActivities<JourneyActivities>(localActivityOptions);

export function isCredentialRefused(err: unknown): err is ActivityFailure & { cause: ApplicationFailure } {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === CREDENTIAL_REFUSED_FAILURE
  );
}

/**
 * Waits until the tenant's Greenhouse connection is back (or, `on: 'callback'`, until the
 * greenhouse_invite mode has a callback credential that is not refused).
 */
export async function waitForGreenhouse(journeyId: string, reason: string, on?: 'callback'): Promise<void> {
  let reconnected = false;
  // Replaces any earlier handler: a signal only ends the wait that is current.
  setHandler(greenhouseReconnectedSignal, () => {
    reconnected = true;
  });
  // Harvest waits keep the input their histories recorded.
  const which = on ? { on } : {};
  const now = await recordGreenhouseWaiting({ journeyId, reason, ...which });
  // Reconnected between the refusal and now (its signal may have found nothing waiting yet).
  if (now.connection !== 'connected') {
    while (!(await condition(() => reconnected, RECHECK_MS))) {
      const again = await recordGreenhouseWaiting({ journeyId, reason, ...which });
      if (again.connection === 'connected') break;
    }
  }
  await recordGreenhouseWaiting({ journeyId, reason: null, ...which });
}

/** A completion PATCH whose callback credential Greenhouse refused (401/403). */
export function isCallbackCredentialRefused(
  err: unknown,
): err is ActivityFailure & { cause: ApplicationFailure } {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === CALLBACK_CREDENTIAL_REFUSED_FAILURE
  );
}

/**
 * Runs one Greenhouse step; while the credential is refused, waits for the reconnect and runs it
 * again. Other failures pass through unchanged.
 */
export async function withGreenhouseConnection<T>(journeyId: string, run: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch (err) {
      // A refused callback credential waits for a new one, not for an operator's retry. Added after
      // journeys were running: older histories (another failure type then) fail as they did.
      if (isCallbackCredentialRefused(err) && patched('callback-credential-wait')) {
        await waitForGreenhouse(journeyId, err.cause.message, 'callback');
        continue;
      }
      // Added after journeys were running: older histories keep failing as they did.
      if (!isCredentialRefused(err) || !patched('greenhouse-credential-wait')) throw err;
      await waitForGreenhouse(journeyId, err.cause.message);
    }
  }
}
