import { proxyActivities } from '@temporalio/workflow';
import { greenhouseActivityOptions } from '../shared/activity-options.js';
import type { WritebackActivities } from '../shared/contract.js';
import type { ReportLinkNoticeInput } from './contract.js';

const greenhouse = proxyActivities<WritebackActivities>(greenhouseActivityOptions);

/**
 * An operator issued a fresh report link: Greenhouse learns it. The completion PATCH makes Greenhouse
 * read test_status again, whose profile URL is now the fresh link; a new note carries it too, since
 * Greenhouse notes cannot be edited and the result note's link may no longer open. Each step retries
 * until Greenhouse takes it; one that cannot (a refused credential) is reported, not failed.
 */
export async function reportLinkNotice({ journeyId, n }: ReportLinkNoticeInput) {
  const done = (p: Promise<{ sent?: boolean; added?: boolean }>) =>
    p.then(
      (r) => r.sent ?? r.added ?? false,
      () => false,
    );
  const patched = await done(greenhouse.sendCompletionPatch({ journeyId }));
  const noted = await done(greenhouse.addReportLinkNote({ journeyId, n }));
  return { patched, noted };
}
