import type { Database, Prisma } from '../db/client.js';
import type { CsvReport } from '../domain/invites/csv.js';

/** One bulk invite (`bulk_invites`) by id, with its per-row report. */
export function findBulkInvite(db: Database, id: string) {
  return db.bulkInvite.findUnique({ where: { id } });
}

/** Records an uploaded file's report; `done` at once when no row is valid (no workflow to run). */
export function createBulkInvite(
  db: Database,
  upload: { id: string; tenantId: string; createdBy: string; report: CsvReport },
) {
  const { report } = upload;
  return db.bulkInvite.create({
    data: {
      id: upload.id,
      tenantId: upload.tenantId,
      createdBy: upload.createdBy,
      totalRows: report.totalRows,
      validRows: report.rows.length,
      errors: report.errors as unknown as Prisma.InputJsonValue,
      rows: report.rows as unknown as Prisma.InputJsonValue,
      status: report.rows.length ? 'running' : 'done',
    },
  });
}
