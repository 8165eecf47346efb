import {
  composeMail,
  renderExpiry,
  renderGraderRequest,
  renderInvite,
  refusalIsFinal,
  renderReminder,
  type Mailer,
} from '../../mail/index.js';
import { loadJourney, type AssessmentDeps } from '../../journeys/journey-context.js';
import { sendOnce } from '../../journeys/email-ledger.js';
import { issueLink } from '../../journeys/links.js';
import type { AssessmentActivities } from '../../workflows/assessment/contract.js';

const DAY = 86_400_000;

/** Candidate and grader e-mails, each sent once per `<journeyId>:<purpose>:<n>`. */
export function createAssessmentMailActivities(
  deps: AssessmentDeps & { mailer: Mailer },
): Pick<AssessmentActivities, 'sendCandidateEmail' | 'requestGrading'> {
  return {
    async sendCandidateEmail({ journeyId, purpose, n, deadlineAt, refusalIsFinal: final }) {
      // Only a workflow that waits for a corrected address asks for the refusal to be final:
      // for the others it stays retryable (a non-retryable failure would fail the whole journey).
      const send = () =>
        sendOnce(deps, {
          journeyId,
          purpose,
          idempotencyKey: `${journeyId}:${purpose}:${n}`,
          compose: async () => {
            const { candidate, test, branding } = await loadJourney(deps, journeyId);
            if (!candidate) throw new Error(`journey ${journeyId} has no candidate record`);
            const firstName = candidate.preferredName ?? candidate.firstName;
            const content =
              purpose === 'expiry'
                ? renderExpiry(branding, {
                    candidateFirstName: firstName,
                    testName: test.name,
                    expiredAt: deadlineAt,
                  })
                : await (async () => {
                    const linkUrl = await issueLink(deps.db, {
                      journeyId,
                      purpose: 'take_test',
                      expiresAt: new Date(Date.parse(deadlineAt) + 30 * DAY),
                      publicBaseUrl: deps.publicBaseUrl,
                    });
                    const data = {
                      candidateFirstName: firstName,
                      testName: test.name,
                      linkUrl,
                      deadline: deadlineAt,
                      ...(test.timeLimitMinutes ? { timeLimitMinutes: test.timeLimitMinutes } : {}),
                    };
                    return purpose === 'invite'
                      ? renderInvite(branding, data)
                      : renderReminder(branding, { ...data, reminderNumber: n });
                  })();
            return composeMail({
              branding,
              to: { name: `${candidate.firstName} ${candidate.lastName}`, address: candidate.email },
              idempotencyKey: `${journeyId}:${purpose}:${n}`,
              content,
            });
          },
        });
      return final ? refusalIsFinal(send) : send();
    },

    async requestGrading({ journeyId, n, dueBy }) {
      return sendOnce(deps, {
        journeyId,
        purpose: 'grader_request',
        idempotencyKey: `${journeyId}:grader_request:${n}`,
        compose: async () => {
          const { journey, candidate, test, branding } = await loadJourney(deps, journeyId);
          // The Greenhouse user who sent the test, else the tenant's default grader. Without either
          // the activity keeps retrying, so setting a default grader later unblocks the journey.
          const grader = journey.sentBy ?? journey.tenant.defaultGraderEmail;
          if (!grader) {
            throw new Error(
              `journey ${journeyId} has free-text answers but no grader: set the tenant's defaultGraderEmail`,
            );
          }
          const linkUrl = await issueLink(deps.db, {
            journeyId,
            purpose: 'grade',
            expiresAt: new Date(Date.now() + 60 * DAY),
            publicBaseUrl: deps.publicBaseUrl,
          });
          const submission = await deps.db.submission.findUnique({ where: { journeyId } });
          const pending =
            (submission?.autoGrade as { pendingQuestionIds?: string[] } | null)?.pendingQuestionIds ?? [];
          return composeMail({
            branding,
            to: { address: grader },
            idempotencyKey: `${journeyId}:grader_request:${n}`,
            content: renderGraderRequest(branding, {
              graderName: grader,
              candidateName: candidate ? `${candidate.firstName} ${candidate.lastName}` : 'the candidate',
              testName: test.name,
              linkUrl,
              ...(pending.length ? { answersToGrade: pending.length } : {}),
              dueBy,
            }),
          });
        },
      });
    },
  };
}
