import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { BulkInviteActivities, BulkInviteCounts } from '../../activities/bulk-invite/types.js';
import { localActivityOptions } from '../shared/activity-options.js';
import { bulkInviteProgressQuery, type BulkInviteInput, type BulkInviteProgress } from './messages.js';

const { inviteBatch, finishBulkInvite } = proxyActivities<BulkInviteActivities>({
  ...localActivityOptions,
  // A batch starts up to 50 journeys (database + Temporal): more than the default minute on a
  // loaded machine. Heartbeats still detect a dead worker within heartbeatTimeout.
  startToCloseTimeout: '10 minutes',
});

export const BULK_BATCH_SIZE = 50;

/**
 * A bulk invite: the upload's valid rows, batch by batch, each through `inviteBatch` (which starts
 * the journeys idempotently), then marks the bulk invite done. The counts live in the workflow's
 * history (one activity result per batch), so a worker restart resumes at the next batch with
 * exact counts.
 *
 * No continueAsNew: a batch costs about 6 history events, and the largest upload (10,000 rows)
 * is 200 batches, about 1,200 events: far below Temporal's 10,240-event warning and 50 MB limit.
 */
export async function bulkInvite(input: BulkInviteInput): Promise<BulkInviteProgress> {
  const batchSize = input.batchSize ?? BULK_BATCH_SIZE;
  const counts: BulkInviteCounts = { started: 0, alreadyInvited: 0, failed: 0 };
  let done = false;
  const progress = (): BulkInviteProgress => ({
    bulkId: input.bulkId,
    status: done ? 'done' : 'running',
    validRows: input.validRows,
    processed: counts.started + counts.alreadyInvited + counts.failed,
    ...counts,
  });
  setHandler(bulkInviteProgressQuery, progress);

  for (let from = 0; from < input.validRows; from += batchSize) {
    const to = Math.min(from + batchSize, input.validRows);
    const batch = await inviteBatch({ bulkId: input.bulkId, from, to, before: { ...counts } });
    counts.started += batch.started;
    counts.alreadyInvited += batch.alreadyInvited;
    counts.failed += batch.failed;
  }
  await finishBulkInvite({ bulkId: input.bulkId, counts: { ...counts } });
  done = true;
  return progress();
}
