import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type {
  ReconcileTenantInput,
  ReconciliationActivities,
  ReconciliationTotals,
} from '../../activities/reconciliation/types.js';
import { greenhouseActivityOptions, localActivityOptions } from '../shared/activity-options.js';

export type { ReconcileTenantInput, ReconciliationTotals } from '../../activities/reconciliation/types.js';

/** Journeys per reconcileJourneys call: a few Harvest reads each, well inside one activity attempt. */
export const RECONCILE_BATCH_SIZE = 25;
/** Batches per run before continuing as new, so a large tenant's history stays small. */
const BATCHES_PER_RUN = 200;
const MAX_FAILURES_LISTED = 50;

const { listJourneysToReconcile } = proxyActivities<ReconciliationActivities>(localActivityOptions);
const { reconcileJourneys } = proxyActivities<ReconciliationActivities>(greenhouseActivityOptions);

/** Where a continued run picks up (internal: callers pass tenantId and lookbackDays only). */
interface ReconcileProgress {
  since: string;
  cursor: string | null;
  totals: ReconciliationTotals;
}

/**
 * Reconciles one tenant: pages through its journeys completed in the lookback that have a
 * Greenhouse application, checks each in Greenhouse and repairs what went missing (the report
 * attachment, the mapped custom fields). Started every few hours by the tenant's Schedule
 * `reconcile:<tenantId>` and on demand by operators (POST /operator/tenants/:id/reconcile).
 */
export async function reconcileTenant(
  input: ReconcileTenantInput & { progress?: ReconcileProgress },
): Promise<ReconciliationTotals> {
  const { tenantId, lookbackDays } = input;
  // Fixed on the first run, so a continued run checks the same window.
  const since = input.progress?.since ?? new Date(Date.now() - lookbackDays * 86_400_000).toISOString();
  const totals: ReconciliationTotals = input.progress?.totals ?? {
    checked: 0,
    repaired: { attachment: 0, customFields: 0 },
    failed: 0,
    failures: [],
  };
  let cursor = input.progress?.cursor ?? null;

  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    const page = await listJourneysToReconcile({ tenantId, since, cursor, limit: RECONCILE_BATCH_SIZE });
    if (page.journeyIds.length) {
      const result = await reconcileJourneys({ tenantId, journeyIds: page.journeyIds });
      totals.checked += result.checked;
      totals.repaired.attachment += result.repaired.attachment;
      totals.repaired.customFields += result.repaired.customFields;
      totals.failed += result.failed;
      totals.failures.push(...result.failures.slice(0, MAX_FAILURES_LISTED - totals.failures.length));
    }
    if (page.nextCursor === null) return totals;
    cursor = page.nextCursor;
  }
  return continueAsNew<typeof reconcileTenant>({
    tenantId,
    lookbackDays,
    progress: { since, cursor, totals },
  });
}
