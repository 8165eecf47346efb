import { proxyActivities } from '@temporalio/workflow';

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
