import type { Database } from '../client.js';

/** The person a journey is about (`journey_candidates`); null once no row exists for it. */
export function findJourneyCandidate(db: Database, journeyId: string) {
  return db.journeyCandidate.findUnique({ where: { journeyId } });
}
