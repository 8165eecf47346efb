/**
 * Reconciliation activities as the workflow sees them (types only): ids and counts in, ids and
 * counts out; nothing personal crosses Temporal.
 */

export interface ReconciliationTotals {
  checked: number;
  repaired: { attachment: number; customFields: number };
  /** Journeys that could not be checked or repaired (they are tried again on the next run). */
  failed: number;
  /** The first failures, with Harvest's words (ids only, never personal data). */
  failures: { journeyId: string; message: string }[];
}

export interface ReconcileTenantInput {
  tenantId: string;
  /** Journeys completed this many days back (or less) are checked. */
  lookbackDays: number;
}

/** One page of a tenant's journeys to check, oldest first; `nextCursor` null on the last page. */
export interface ReconciliationPage {
  journeyIds: string[];
  nextCursor: string | null;
}

export interface ReconciliationActivities {
  /**
   * Completed journeys of the tenant with a Greenhouse application, completed at or after `since`
   * (ISO), after `cursor` (a journey id, exclusive), at most `limit`. Journeys waiting for an operator
   * (writeback_failed_step) are left to the re-drive.
   */
  listJourneysToReconcile(input: {
    tenantId: string;
    since: string;
    cursor: string | null;
    limit: number;
  }): Promise<ReconciliationPage>;
  /**
   * Checks each journey in Greenhouse (report attachment present, mapped custom fields holding
   * values) and repairs what is missing. A journey that cannot be checked or repaired counts as
   * failed; the others go on.
   */
  reconcileJourneys(input: { tenantId: string; journeyIds: string[] }): Promise<ReconciliationTotals>;
}
