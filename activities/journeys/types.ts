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
  /**
   * Marks (reason) or clears (null) that the journey waits for its tenant's Greenhouse connection.
   * Answers the connection's status now: 'connected' means it was reconnected meanwhile.
   */
  recordGreenhouseWaiting(input: {
    journeyId: string;
    reason: string | null;
  }): Promise<{ connection: 'connected' | 'disconnected' | 'needs_consent' | 'none' }>;
}
