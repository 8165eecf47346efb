import type { Database, Prisma } from '../db/client.js';

/** One row of the operators' audit trail (`audit_entries`). */
export function insertAuditEntry(db: Database, data: Prisma.AuditEntryUncheckedCreateInput) {
  return db.auditEntry.create({ data });
}
