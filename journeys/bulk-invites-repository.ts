import type { Database } from '../db/client.js';

/** One bulk invite (`bulk_invites`) by id, with its per-row report. */
export function findBulkInvite(db: Database, id: string) {
  return db.bulkInvite.findUnique({ where: { id } });
}
