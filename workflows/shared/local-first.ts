import { isCancellation } from '@temporalio/workflow';

/**
 * One attempt as a local activity, then, if it failed for a reason that may heal, the activity
 * itself with its usual retries (journeys on start path 2, up to their invite: issue 17).
 *
 * The local attempt runs in the worker that runs the workflow, inside the workflow task that asked
 * for it: no activity task to schedule, dispatch, heartbeat and complete, and no workflow task to
 * hear the result. What a step guarantees does not change: the step is the same idempotent code
 * (the e-mail ledger, the application's record), at least once either way. Only one attempt runs
 * locally, so an outage (Greenhouse, the mail server) never holds workflow tasks in local retries:
 * the activity retries as before, with its timeline row, and an operator's retry from the step
 * finds it in the history. `final` failures (a refused credential, a refused address) are the
 * workflow's to handle, exactly as when the activity throws them; a cancellation passes through.
 */
export async function locallyFirst<T>(
  local: () => Promise<T>,
  activity: () => Promise<T>,
  final: (err: unknown) => boolean,
): Promise<T> {
  try {
    return await local();
  } catch (err) {
    if (isCancellation(err) || final(err)) throw err;
    return activity();
  }
}
