import type { Database } from '../client.js';

/** A journey's stored PDF report (`reports`), as served; null before it is written. */
export function findReportFile(db: Database, journeyId: string) {
  return db.report.findUnique({ where: { journeyId }, select: { filename: true, content: true } });
}
