import { journeysOf } from '../db/repositories/journeys.js';
import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import { terminalStatuses } from '../domain/journey.js';
import { insertAuditEntry } from '../operators/audit-repository.js';
import { eraseJourney, type EraseDeps } from './erase-candidate.js';

/** Days after a journey ended until its personal data is erased, unless the tenant says otherwise. */
export const DEFAULT_RETENTION_DAYS = 180;

/**
 * Ended journeys (a terminal status) whose end lies further back than their tenant's retention
 * period and whose personal data is still there, oldest first. A journey's end is its completion
 * time, or its last change for journeys that ended without completing (cancelled, expired, failed).
 */
export async function journeysPastRetention(db: Database, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT j.id
      FROM journeys j
      JOIN tenants t ON t.id = j.tenant_id
     WHERE j.erased_at IS NULL
       AND j.status IN (${Prisma.join([...terminalStatuses])})
       AND COALESCE(j.completed_at, j.updated_at) < now() - make_interval(days => t.retention_days)
     ORDER BY COALESCE(j.completed_at, j.updated_at), j.id
     LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * Erases these journeys (each as an operator's erasure would) and writes one audit entry per tenant
 * with the count: who and what are not recorded, only that retention erased so many.
 */
export async function eraseForRetention(deps: EraseDeps, journeyIds: string[]): Promise<number> {
  const journeys = await journeysOf(deps).notErasedAmong(journeyIds);
  const perTenant = new Map<string, number>();
  for (const journey of journeys) {
    await eraseJourney(deps, journey.id);
    perTenant.set(journey.tenantId, (perTenant.get(journey.tenantId) ?? 0) + 1);
  }
  for (const [tenantId, count] of perTenant) {
    await insertAuditEntry(deps.db, {
      actor: 'retention',
      role: 'system',
      tenantId,
      action: 'retention.erase',
      outcome: 'ok',
      detail: { journeys: count },
    });
  }
  return journeys.length;
}
