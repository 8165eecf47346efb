import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApplicationMatch } from './contract.js';
import { GreenhouseApplicationIdKey } from '../../domain/search-attributes.js';

/**
 * Vendor mode: looks for the candidate's Greenhouse application (same e-mail, same job) until it
 * appears, the attempts run out, or the journey is stopped. Results can only land on an application.
 */
export async function awaitApplication(args: {
  policy: { intervalSeconds: number; attempts: number };
  find: () => Promise<ApplicationMatch>;
  /** Records "waiting for the application" in the read model between attempts. */
  waiting: (detail: string) => Promise<void>;
  stopped: () => boolean;
  /** Upsert the GreenhouseApplicationId search attribute when found (older histories did, here). */
  upsertApplicationId?: boolean;
}): Promise<
  | { outcome: 'found'; applicationId: string }
  | { outcome: 'gave_up'; reason: string }
  | { outcome: 'stopped' }
> {
  const { attempts, intervalSeconds } = args.policy;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const match = await args.find();
    if (match.found && match.applicationId) {
      if (args.upsertApplicationId !== false)
        upsertSearchAttributes([{ key: GreenhouseApplicationIdKey, value: match.applicationId }]);
      return { outcome: 'found', applicationId: match.applicationId };
    }
    if (attempt === attempts) {
      return {
        outcome: 'gave_up',
        reason: `gave up: no matching Greenhouse application after ${attempts} attempts: ${match.reason}`,
      };
    }
    await args.waiting(
      `the candidate's application to appear in Greenhouse (${match.reason}; attempt ${attempt} of ${attempts}, next in ${intervalSeconds} s)`,
    );
    if (await condition(args.stopped, intervalSeconds * 1000)) return { outcome: 'stopped' };
  }
  return { outcome: 'gave_up', reason: 'no attempts allowed' };
}
