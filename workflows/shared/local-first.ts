import { RetryState } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';

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
 * finds it in the history. A failure of one of the `finalTypes` (a refused credential, a refused
 * address) is the workflow's to handle: it is thrown as the activity throws it (an ActivityFailure
 * caused by the ApplicationFailure: a local activity's own failure arrives unwrapped). A
 * cancellation passes through.
 */
export async function locallyFirst<T>(
  activityType: string,
  local: () => Promise<T>,
  activity: () => Promise<T>,
  finalTypes: readonly string[],
): Promise<T> {
  try {
    return await local();
  } catch (err) {
    if (isCancellation(err)) throw err;
    const failure = err instanceof ActivityFailure ? err.cause : err;
    if (failure instanceof ApplicationFailure && failure.type && finalTypes.includes(failure.type)) {
      if (err instanceof ActivityFailure) throw err;
      throw new ActivityFailure(
        'Activity task failed',
        activityType,
        undefined,
        RetryState.NON_RETRYABLE_FAILURE,
        undefined,
        failure,
      );
    }
    return activity();
  }
}
