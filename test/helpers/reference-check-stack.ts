import type { Logger } from '../../observability/logger.js';
import type { ReferenceCheckTemplateInput } from '../../domain/reference-checks/template.js';
import type { ReferenceCheckJourneyInput } from '../../workflows/reference-check/contract.js';
import type { referenceCheckJourney } from '../../workflows/reference-check/reference-check-journey.js';
import type { SandboxOptions } from '../../greenhouse-sandbox/index.js';
import { keyedTest, startAssessmentStack } from './assessment-stack.js';
import type { TestSmtpServerOptions } from '../../harness/smtp-server.js';

/**
 * The reference-check template most tests use: three referees (at least one manager), two answers
 * complete the check, two rating questions and one free-text question.
 */
export const standardReferenceCheck = {
  kind: 'reference_check',
  testId: 'refs-standard',
  name: 'Standard reference check',
  questions: [
    { id: 'quality', kind: 'rating', prompt: 'How good was the quality of their work?' },
    { id: 'teamwork', kind: 'rating', prompt: 'How well did they work with others?' },
    { id: 'comments', kind: 'text', prompt: 'Anything else we should know?' },
  ],
  ratingScale: { min: 1, max: 5, minLabel: 'Poor', maxLabel: 'Outstanding' },
  referees: { min: 3, max: 4, quorum: 2 },
  requiredRelationships: [{ relationship: 'manager', count: 1 }],
  nominationDeadlineDays: 5,
  refereeDeadlineDays: 7,
  deadlineDays: 14,
  minimumAnswerSeconds: 1,
} satisfies ReferenceCheckTemplateInput;

/** Timing of a check started directly, in seconds (the template's days are too long for tests). */
export interface DirectPolicy {
  nominationSeconds?: number;
  refereeSeconds?: number;
  deadlineSeconds?: number;
  candidateReminderSeconds?: number[];
  /** Each referee's reminders, seconds after their request. */
  refereeReminderSeconds?: number[];
  quorum?: number;
}
const DAY_S = 86_400;

const LINK = (path: string) => new RegExp(`(http://127\\.0\\.0\\.1:\\d+/${path}/[A-Za-z0-9_-]+)`);

/** The assessment stack with the reference-check template in the catalogue, plus reference-check helpers. */
export async function startReferenceCheckStack(
  options: {
    sandbox?: SandboxOptions;
    templates?: object[];
    smtp?: TestSmtpServerOptions;
    log?: Logger;
  } = {},
) {
  const stack = await startAssessmentStack({
    ...(options.log ? { log: options.log } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.smtp ? { smtp: options.smtp } : {}),
    tests: [keyedTest, ...(options.templates ?? [standardReferenceCheck])],
  });
  const linkIn = async (idempotencyKey: string, path: 'n' | 'q') => {
    const mail = await stack.smtp.waitFor((m) => m.idempotencyKey === idempotencyKey, 30_000);
    const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
    return LINK(path).exec(text)![1]!;
  };
  return Object.assign(stack, {
    referenceJourneyIdFor: (applicationId: number, testId = 'refs-standard') =>
      `reference_check:${stack.tenantId}:app-${applicationId}:${testId}`,
    /** The recruiter clicks "Send test" for the reference check in Greenhouse. */
    async sendReferenceCheck(applicationId: number, testId = 'refs-standard') {
      await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
        partnerTestId: testId,
        sentByUserId: stack.org.siteAdmin.id,
      });
      await stack.sb.idle();
    },
    /** The link in the candidate's nomination e-mail (`purpose` n-th mail). */
    nominationLink: (journeyId: string, purpose = 'nomination_request', n = 1) =>
      linkIn(`${journeyId}:${purpose}:${n}`, 'n'),
    /** The link in a referee's request e-mail. */
    refereeLink: (refereeId: string) => linkIn(`${refereeId}:request:1`, 'q'),
    /**
     * Starts the standard check for the sandbox's application number `index` the way the starter
     * does (read-model row, candidate record, workflow), with a policy measured in seconds.
     */
    async startReferenceCheckDirect(index: number, policy: DirectPolicy = {}) {
      const gh = stack.sb.state.org(stack.org.org.id)!;
      const application = gh.applications.all()[index]!;
      const candidate = gh.candidates.get(application.candidateId)!;
      const journeyId = `reference_check:${stack.tenantId}:app-${application.id}:refs-standard`;
      const candidateEmail = candidate.emails[0]!.value;
      await stack.database.db.journey.create({
        data: {
          id: journeyId,
          tenantId: stack.tenantId,
          kind: 'reference_check',
          status: 'created',
          testId: 'refs-standard',
          testVersion: 1,
          trigger: 'vendor',
          greenhouseApplicationId: String(application.id),
          greenhouseCandidateId: String(candidate.id),
        },
      });
      await stack.database.db.journeyCandidate.create({
        data: {
          journeyId,
          firstName: candidate.firstName,
          lastName: candidate.lastName,
          email: candidateEmail,
        },
      });
      const input: ReferenceCheckJourneyInput = {
        journeyId,
        tenantId: stack.tenantId,
        testId: 'refs-standard',
        testVersion: 1,
        trigger: 'vendor',
        applicationId: String(application.id),
        policy: {
          nominationDeadlineDays: (policy.nominationSeconds ?? 600) / DAY_S,
          refereeDeadlineDays: (policy.refereeSeconds ?? 600) / DAY_S,
          deadlineDays: (policy.deadlineSeconds ?? 900) / DAY_S,
          candidateReminders: {
            afterInviteHours: (policy.candidateReminderSeconds ?? []).map((sec) => sec / 3600),
            beforeDeadlineHours: [],
          },
          refereeReminders: {
            afterInviteHours: (policy.refereeReminderSeconds ?? []).map((sec) => sec / 3600),
            beforeDeadlineHours: [],
          },
          minReferees: 3,
          maxReferees: 4,
          quorum: policy.quorum ?? 2,
          applicationMatch: { intervalSeconds: 1, attempts: 1 },
        },
      };
      const handle = await stack.temporal.workflow.start<typeof referenceCheckJourney>(
        'referenceCheckJourney',
        {
          workflowId: journeyId,
          taskQueue: stack.taskQueue,
          args: [input],
        },
      );
      return { journeyId, handle, applicationId: application.id, candidate, candidateEmail };
    },
    referees: (journeyId: string) =>
      stack.database.db.referee.findMany({ where: { journeyId }, orderBy: { position: 'asc' } }),
  });
}
export type ReferenceCheckStack = Awaited<ReturnType<typeof startReferenceCheckStack>>;
