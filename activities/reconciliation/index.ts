import type { Database } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import type { ResultField } from '../../domain/result-fields.js';
import { kindModuleOf } from '../../journeys/kinds/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import { harvestClientForTenant } from '../../tenants/harvest-client-for-tenant.js';
import type { HarvestClientFactory } from '../../tenants/harvest-gateway.js';
import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { createWritebackActivities } from '../../journeys/greenhouse-writeback.js';
import type { ReconciliationActivities, ReconciliationTotals } from './types.js';

export type { ReconciliationActivities, ReconciliationTotals } from './types.js';

export interface ReconciliationDeps extends AssessmentDeps {
  secrets: SecretBox;
  harvestClientFor: HarvestClientFactory;
  /** For tests; defaults to the wall clock. */
  now?: () => Date;
}

/**
 * A missing attachment whose ledger row is also missing may be a write-back still under way (the
 * journey's workflow between Greenhouse's answer and the ledger row): it is only repaired once the
 * journey completed this long ago. With the ledger row present the write-back did attach it, and
 * someone removed it in Greenhouse since: repaired at once.
 */
export const ATTACHMENT_SETTLE_MS = 30 * 60_000;
/** How many failed journeys a result names (the count is always complete). */
const MAX_FAILURES_LISTED = 50;

const isEmpty = (value: unknown) =>
  value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/**
 * Reconciliation: what the write-back put in Greenhouse is still there. Greenhouse users delete
 * attachments and clear custom fields; this finds completed journeys whose report or mapped fields
 * went missing and writes them again through the write-back activities themselves (same Harvest
 * writes, same ledger), never a second copy of that logic.
 */
export function createReconciliationActivities(deps: ReconciliationDeps): ReconciliationActivities {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const writeback = createWritebackActivities(deps);

  return {
    async listJourneysToReconcile({ tenantId, since, cursor, limit }) {
      const rows = await journeysOf(deps).completedToReconcile({
        tenantId,
        since: new Date(since),
        cursor: cursor ?? null,
        limit,
      });
      const journeyIds = rows.map((r) => r.id);
      return { journeyIds, nextCursor: rows.length === limit ? journeyIds[journeyIds.length - 1]! : null };
    },

    async reconcileJourneys({ tenantId, journeyIds }) {
      const totals: ReconciliationTotals = {
        checked: 0,
        repaired: { attachment: 0, customFields: 0 },
        failed: 0,
        failures: [],
      };
      const fail = (journeyId: string, message: string) => {
        totals.failed++;
        if (totals.failures.length < MAX_FAILURES_LISTED) totals.failures.push({ journeyId, message });
      };
      const found = await harvestClientForTenant(deps, tenantId);
      if (!found) {
        for (const journeyId of journeyIds) fail(journeyId, 'the tenant has not connected Greenhouse');
        return totals;
      }
      const { client, connection } = found;
      // A refused connection is not tried: its journeys wait for the reconnect, not for us.
      if (connection.status !== 'connected') {
        for (const journeyId of journeyIds)
          fail(journeyId, connection.statusReason ?? `the Greenhouse connection is ${connection.status}`);
        return totals;
      }
      const mappings = await db.customFieldMapping.findMany({ where: { tenantId, scope: 'application' } });
      // Harvest returns an application's custom fields by name_key; mappings keep the field id.
      let nameKeys: Promise<Map<string, string>> | null = null;
      const nameKeyOf = async (customFieldId: string) => {
        nameKeys ??= client
          .listCustomFields('application')
          .then(
            (defs) =>
              new Map(
                defs.filter((d) => d.active && d.nameKey).map((d) => [String(d.id), d.nameKey!] as const),
              ),
          );
        return (await nameKeys).get(customFieldId);
      };

      for (const journeyId of journeyIds) {
        try {
          const journey = await journeysOf(deps).get(journeyId);
          if (!journey || journey.tenantId !== tenantId || !journey.greenhouseApplicationId) continue;
          totals.checked++;
          const applicationId = Number(journey.greenhouseApplicationId);

          // The report attachment, recognised by its filename as attachReport does.
          const report = await db.report.findUnique({
            where: { journeyId },
            select: { filename: true },
          });
          if (report) {
            const attachments = await client.listApplicationAttachments(
              applicationId,
              Number(journey.greenhouseCandidateId),
            );
            if (!attachments.some((a) => a.filename === report.filename)) {
              const key = `${journeyId}:attachment`;
              const ledger = await db.harvestEffect.findUnique({ where: { key } });
              const settled =
                ledger !== null ||
                (journey.completedAt !== null &&
                  now().getTime() - journey.completedAt.getTime() >= ATTACHMENT_SETTLE_MS);
              if (settled) {
                await db.harvestEffect.deleteMany({ where: { key } });
                const { attached } = await writeback.attachReport({ journeyId });
                if (attached) totals.repaired.attachment++;
              }
            }
          }

          // The mapped application custom fields: each one the write-back sets must hold a value.
          if (mappings.length) {
            const expected = await expectedFields(db, journey);
            const application = await client.getApplication(applicationId);
            let missing = false;
            for (const mapping of mappings) {
              if (!expected.has(mapping.resultField)) continue;
              const nameKey = await nameKeyOf(mapping.customFieldId);
              // A field deleted or deactivated in Greenhouse since it was mapped: nothing to hold.
              if (!nameKey) continue;
              if (isEmpty(application.customFields[nameKey])) missing = true;
            }
            if (missing) {
              const { written } = await writeback.writeCustomFields({ journeyId });
              if (written > 0) totals.repaired.customFields++;
            }
          }
        } catch (err) {
          // Greenhouse refused the credential itself: the tenant is marked, the rest is not tried.
          const refusal = await found.refused(err);
          if (refusal) {
            for (const rest of journeyIds.slice(journeyIds.indexOf(journeyId))) fail(rest, refusal.reason);
            return totals;
          }
          fail(journeyId, err instanceof Error ? err.message.slice(0, 300) : String(err));
        }
      }
      return totals;
    },
  };
}

/** The result fields writeCustomFields gives a value for this journey (see its `value`). */
async function expectedFields(
  db: Database,
  journey: { id: string; kind: string; profileUrl: string | null },
): Promise<Set<ResultField>> {
  const fields = new Set<ResultField>(['status', 'test_name', 'completed_at']);
  if (journey.profileUrl) fields.add('report_link');
  // The kind's own: a reference check never decides pass/fail, and has a score only with ratings.
  const kind = kindModuleOf(journey.kind);
  for (const field of kind ? await kind.reconciliationFields(db, journey.id) : []) fields.add(field);
  return fields;
}
