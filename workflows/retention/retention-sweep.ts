import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { RetentionActivities } from '../../activities/retention/types.js';

export interface RetentionSweepInput {
  /** Journeys per page (default 50). */
  pageSize?: number;
  /** Pages before the sweep continues as new, keeping its history short (default 20). */
  pagesPerRun?: number;
  /** Journeys erased by earlier runs of this sweep (continue-as-new carries it). */
  erasedSoFar?: number;
}

const { retentionDue, retentionErase } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

/**
 * Erases the personal data of journeys that ended longer ago than their tenant's retention period
 * (journeys/retention.ts), a page at a time. Started by the `retention` Schedule
 * (journeys/retention-schedule.ts). Returns how many journeys it erased.
 */
export async function retentionSweep(input: RetentionSweepInput = {}): Promise<{ erased: number }> {
  const pageSize = input.pageSize ?? 50;
  const pagesPerRun = input.pagesPerRun ?? 20;
  let erased = input.erasedSoFar ?? 0;
  for (let page = 0; page < pagesPerRun; page++) {
    const due = await retentionDue({ limit: pageSize });
    if (!due.journeyIds.length) return { erased };
    erased += (await retentionErase(due)).erased;
  }
  return continueAsNew<typeof retentionSweep>({ pageSize, pagesPerRun, erasedSoFar: erased });
}
