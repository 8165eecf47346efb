import type { JourneySnapshot } from '../../domain/journey.js';

/** The read-model activities as workflows see them (types only: no I/O crosses into workflows). */
export interface JourneyActivities {
  recordJourneySnapshot(snapshot: JourneySnapshot): Promise<{ applied: boolean }>;
}
