import type { Database } from '../db/client.js';
import type { JourneyStateCount } from './metrics.js';

/** Journeys in the read model by kind and status: one grouped query (for `greenroom_journeys`). */
export async function countJourneyStates(db: Database): Promise<JourneyStateCount[]> {
  const rows = await db.journey.groupBy({ by: ['kind', 'status'], _count: { _all: true } });
  return rows.map((row) => ({ kind: row.kind, status: row.status, count: row._count._all }));
}
