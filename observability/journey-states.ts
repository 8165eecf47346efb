import type { Database } from '../db/client.js';
import { journeysOf } from '../db/repositories/journeys.js';
import type { JourneyStateCount } from './metrics.js';

/** Journeys in the read model by kind and status: one grouped query (for `greenroom_journeys`). */
export async function countJourneyStates(db: Database): Promise<JourneyStateCount[]> {
  return journeysOf({ db }).countByKindAndStatus();
}
