import { ApplicationFailure } from '@temporalio/common';
import { HarvestError } from './errors.js';

/**
 * Map any error from the Harvest client to a Temporal ApplicationFailure: non-retryable errors
 * (401, 403, 404, 422, missing audit user) fail the activity at once with the plain message;
 * retryable ones (429, 5xx, network, timeout) let Temporal retry, after Retry-After when known.
 * `type` is `Harvest<kind>` (e.g. `HarvestForbidden`) so retry policies and workflows can match it.
 */
export function toActivityFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof HarvestError) {
    const type = `Harvest${err.kind
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('')}`;
    return ApplicationFailure.create({
      message: err.message,
      type,
      nonRetryable: !err.retryable,
      details: [err.toJSON()],
      ...(err.retryable && err.retryAfterMs !== null ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ message, type: 'HarvestUnexpected', nonRetryable: false });
}
