import type { JourneySnapshot } from '../../domain/journey.js';

/** The read-model activities as workflows see them (types only: no I/O crosses into workflows). */
export interface JourneyActivities {
  recordJourneySnapshot(snapshot: JourneySnapshot): Promise<{ applied: boolean }>;
  /** Marks (or clears, with step null) the write-back step a journey waits on an operator for. */
  recordWritebackWaiting(input: {
    journeyId: string;
    step: string | null;
    message: string | null;
  }): Promise<void>;
}
