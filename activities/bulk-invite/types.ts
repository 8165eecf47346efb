/** What one batch of a bulk invite did: rows [from, to) of the upload's valid rows. */
export interface BulkInviteCounts {
  started: number;
  alreadyInvited: number;
  failed: number;
}

export interface InviteBatchInput {
  bulkId: string;
  /** Index (0-based) of the first valid row of the batch, and one past the last. */
  from: number;
  to: number;
  /** The counts of every earlier batch: the activity writes `before + this batch` (see inviteBatch). */
  before: BulkInviteCounts;
}

/** The bulk-invite activities as workflows see them (types only). */
export interface BulkInviteActivities {
  inviteBatch(input: InviteBatchInput): Promise<BulkInviteCounts>;
  finishBulkInvite(input: { bulkId: string; counts: BulkInviteCounts }): Promise<void>;
}
