import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { journeysOf, type JourneyRepository } from '../db/repositories/journeys.js';
import { GREENHOUSE_RECONNECTED_SIGNAL, type GreenhouseWaitOn } from '../domain/greenhouse-connection.js';

/** Journeys signalled at once, and read per page: a tenant with thousands waiting resumes in steps. */
export const RESUME_BATCH_SIZE = 25;

/**
 * Tells every journey of the tenant that waits for its Greenhouse connection that the tenant
 * reconnected (workflows/shared/greenhouse-wait.ts), a bounded batch at a time. A journey that
 * finished meanwhile is skipped. Journeys this misses look at the connection on their own within
 * half an hour. A new completion-callback credential resumes only the journeys waiting for it.
 */
export async function resumeWaitingJourneys(
  deps: { db: Database; temporal: Client; journeys?: JourneyRepository },
  tenantId: string,
  batchSize = RESUME_BATCH_SIZE,
  /** Only the journeys waiting for this credential (default: every waiting journey). */
  on?: GreenhouseWaitOn,
): Promise<{ signalled: number; gone: number }> {
  let signalled = 0;
  let gone = 0;
  let after = '';
  for (;;) {
    const page = await journeysOf(deps).waitingForGreenhouseIds(tenantId, after, batchSize, on);
    if (page.length === 0) break;
    await Promise.all(
      page.map(async ({ id }) => {
        try {
          await deps.temporal.workflow.getHandle(id).signal(GREENHOUSE_RECONNECTED_SIGNAL);
          signalled++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          gone++;
        }
      }),
    );
    after = page[page.length - 1]!.id;
    if (page.length < batchSize) break;
  }
  return { signalled, gone };
}
