import { proxyActivities } from '@temporalio/workflow';

/**
 * The baseline of the bulk-invite benchmark: the barest workflow Temporal runs, one no-op
 * activity and done. What the same server and a worker on the same machine do with it is the
 * ceiling journeys are compared with.
 */
export interface NoopActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

export async function noopWorkflow(): Promise<void> {
  await noop();
}
