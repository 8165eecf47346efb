import { z } from 'zod';
import { IdempotencyKey } from '../operator/probes.js';
import { nominationFields } from '../pages/nominate.js';
import { note } from './registry.js';

/**
 * Request schemas of the API's routes, imported from the routers themselves (never copied, so the
 * document cannot drift from what the handlers accept), plus the people's pages' form posts, which
 * are read field by field rather than with zod.
 */
export { CompleteProbeBody, StartProbeBody } from '../operator/probes.js';
export { ListQuery as TestListQuery, VersionQuery as TestVersionQuery } from '../operator/tests.js';
export { TestStatusQuery } from '../partner/routes.js';
export {
  CancelBody,
  EmptyBody,
  ExtendBody,
  ForceCompleteBody,
  RetryBody,
  SkipBody,
} from '../operator/journeys.js';
export { ReconcileNowBody, ScheduleBody } from '../operator/reconciliation.js';
export { CodecBody } from '../codec/routes.js';

export const ProbeHeaders = z.object({
  'Idempotency-Key': note(
    IdempotencyKey,
    'A repeated request with the same key returns the probe already running.',
  ),
});

// ---- people's pages (application/x-www-form-urlencoded) ----

const formValue = z.union([z.string(), z.array(z.string())]);

export const TakeTestForm = note(
  z.record(z.string(), formValue),
  'One field `q:<questionId>` per answered question: the option id (repeated for multiple choice), a number or the text.',
);
export const GradeForm = note(
  z.object({ gradedBy: z.string() }).catchall(formValue),
  'Who grades (`gradedBy`, an e-mail address or a name), plus `points:<questionId>` and an optional `comment:<questionId>` per answer awaiting a grader.',
);
export const NominationForm = note(
  z.record(z.string(), formValue),
  `One row per referee: \`r<i>.<field>\`, field one of ${nominationFields.join(', ')} (name, email and relationship required).`,
);
export const ReferenceForm = note(
  z
    .object({
      action: z.enum(['submit', 'decline']).optional(),
      openedAt: z.string().optional(),
      declineReason: z.string().optional(),
    })
    .catchall(formValue),
  '`action` submit (default) or decline, `openedAt` (when the page was rendered, ISO 8601), `declineReason`, plus `q:<questionId>` per answer (a rating or text).',
);
