import type { Database, Prisma } from '../db/client.js';

/** One row of the operators' audit trail (`audit_entries`). */
export function insertAuditEntry(db: Database, data: Prisma.AuditEntryUncheckedCreateInput) {
  return db.auditEntry.create({ data });
}

export interface AuditFilter {
  /** One tenant's entries; undefined: every tenant's (unscoped keys only: the route scopes the rest). */
  tenantId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  journeyId?: string | undefined;
  /** `at >= from` */
  from?: Date | undefined;
  /** `at < to` */
  to?: Date | undefined;
  /** Entries older than this id (the page before ended there). */
  beforeId?: number | undefined;
}

const auditFields = {
  id: true,
  at: true,
  actor: true,
  actorKeyId: true,
  role: true,
  tenantId: true,
  journeyId: true,
  action: true,
  outcome: true,
  detail: true,
} satisfies Prisma.AuditEntrySelect;

/**
 * A page of the audit trail, newest first. Ids grow with every insert, so ordering and paging by
 * id is stable even when many entries share a millisecond.
 */
export function listAuditEntries(db: Database, filter: AuditFilter, take: number) {
  return db.auditEntry.findMany({
    where: {
      ...(filter.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
      ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
      ...(filter.action !== undefined ? { action: filter.action } : {}),
      ...(filter.journeyId !== undefined ? { journeyId: filter.journeyId } : {}),
      ...(filter.from || filter.to
        ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
        : {}),
      ...(filter.beforeId !== undefined ? { id: { lt: filter.beforeId } } : {}),
    },
    select: auditFields,
    orderBy: { id: 'desc' },
    take,
  });
}
