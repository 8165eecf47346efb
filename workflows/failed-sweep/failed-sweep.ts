import { proxyActivities } from '@temporalio/workflow';
import { localActivityOptions } from '../shared/activity-options.js';

export interface FailedSweepInput {
  /** How far back to look for executions that closed badly. */
  lookbackMinutes: number;
}

export interface FailedSweepActivities {
  /** Marks journeys whose workflow failed, was terminated or timed out (journeys/failed-journeys.ts). */
  sweepFailedJourneys(input: FailedSweepInput): Promise<{ seen: number; marked: number }>;
}

const { sweepFailedJourneys } = proxyActivities<FailedSweepActivities>(localActivityOptions);

/**
 * Run by the Schedule `failed-journeys-sweep`: a terminated or timed-out workflow cannot record
 * itself in the read model, so this looks for them in Temporal's visibility and marks them failed.
 */
export async function failedJourneySweep(input: FailedSweepInput): Promise<{ seen: number; marked: number }> {
  return sweepFailedJourneys(input);
}
