import { defineQuery } from '@temporalio/workflow';
import type { BulkInviteCounts } from '../../activities/bulk-invite/types.js';

export interface BulkInviteInput {
  bulkId: string;
  /** How many valid rows the upload holds (stored with the bulk invite, read by the activity). */
  validRows: number;
  /** Rows per activity (default 50). */
  batchSize?: number;
}

export interface BulkInviteProgress extends BulkInviteCounts {
  bulkId: string;
  status: 'running' | 'done';
  validRows: number;
  /** Valid rows handled so far (started + alreadyInvited + failed). */
  processed: number;
}

export const bulkInviteProgressQuery = defineQuery<BulkInviteProgress>('progress');
