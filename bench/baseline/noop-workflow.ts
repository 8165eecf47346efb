import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The baseline of the bulk-invite benchmark: the barest workflow Temporal runs, one no-op
 * activity and done. What the same server and a worker on the same machine do with it is the
 * ceiling journeys are compared with. The submission benchmark runs it with as many activities,
 * one after the other, as a journey runs from submission to completion PATCH.
 */
export interface NoopActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

export async function noopWorkflow(activities = 1): Promise<void> {
  for (let k = 0; k < activities; k++) await noop();
}

/** Ends a waiting bare workflow (the idle benchmark's baseline never sends it). */
export const wakeSignal = defineSignal('wake');

/**
 * The baseline of the idle-journeys benchmark: one no-op activity, then waiting for a signal (or
 * a week), as a journey waits for its candidate after the invite.
 */
export async function waitingWorkflow(): Promise<void> {
  await noop();
  let woken = false;
  setHandler(wakeSignal, () => void (woken = true));
  await condition(() => woken, '7 days');
}
