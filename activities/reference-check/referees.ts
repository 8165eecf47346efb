import { ApplicationFailure } from '@temporalio/common';
import type { Prisma } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import { parseRefereeAnswers } from '../../domain/reference-checks/answers.js';
import { detectFraudSignals } from '../../domain/reference-checks/fraud.js';
import { normalizeEmail } from '../../domain/reference-checks/nomination.js';
import type { Relationship } from '../../domain/reference-checks/template.js';
import type { ClientFingerprint } from '../../domain/reference-checks/types.js';
import { isSealed, type SealedValue } from '../../domain/sealed.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import {
  composeMail,
  PermanentMailError,
  renderRefereeReminder,
  renderRefereeRequest,
  type Mailer,
} from '../../mail/index.js';
import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { sendOnce } from '../../journeys/email-ledger.js';
import { issueLink } from '../../journeys/links.js';
import { candidateNameOf, loadReferenceCheck } from './context.js';
import type { ReferenceCheckActivities } from '../../workflows/reference-check/contract.js';

const DAY = 86_400_000;
/** Minutes a referee needs, roughly: shown in the request. */
const estimatedMinutes = (questions: { kind: string }[]) =>
  Math.max(5, Math.ceil(questions.reduce((m, q) => m + (q.kind === 'text' ? 2 : 0.5), 0)));

/** The referee's side: request and reminders, progress, answers with their fraud signals. */
export function createRefereeActivities(
  deps: AssessmentDeps & { mailer: Mailer; secrets: SecretBox },
): Pick<ReferenceCheckActivities, 'sendRefereeEmail' | 'recordRefereeStatus' | 'storeRefereeAnswers'> {
  const { db } = deps;
  const sealer = createJourneySealer(deps);
  /** A decline reason as stored: unsealed (it travels sealed with the journey's key), trimmed. */
  async function declineReasonOf(refereeId: string, reason: string | null | SealedValue | undefined) {
    if (!isSealed(reason)) return reason ?? null;
    const referee = await db.referee.findUnique({ where: { id: refereeId }, select: { journeyId: true } });
    if (!referee) return null;
    const text = await sealer.unseal<string | null>(referee.journeyId, reason);
    return typeof text === 'string' && text.trim() ? text.trim().slice(0, 2000) : null;
  }
  return {
    async sendRefereeEmail({ refereeId, purpose, n, deadlineAt }) {
      const referee = await db.referee.findUniqueOrThrow({ where: { id: refereeId } });
      const idempotencyKey = `${refereeId}:${purpose}:${n}`;
      try {
        const { sent } = await sendOnce(deps, {
          journeyId: referee.journeyId,
          purpose: `referee_${purpose}`,
          idempotencyKey,
          compose: async () => {
            const { candidate, template, branding } = await loadReferenceCheck(deps, referee.journeyId);
            const data = {
              refereeName: referee.name,
              candidateName: candidateNameOf(candidate),
              linkUrl: await issueLink(db, {
                journeyId: referee.journeyId,
                refereeId,
                purpose: 'reference',
                expiresAt: new Date(Date.parse(deadlineAt) + 30 * DAY),
                publicBaseUrl: deps.publicBaseUrl,
              }),
              deadline: deadlineAt,
              estimatedMinutes: estimatedMinutes(template.questions),
            };
            return composeMail({
              branding,
              to: { name: referee.name, address: referee.email },
              idempotencyKey,
              content:
                purpose === 'request'
                  ? renderRefereeRequest(branding, data)
                  : renderRefereeReminder(branding, data),
            });
          },
        });
        return { sent, bounced: false };
      } catch (err) {
        // The receiving server refused the address for good: the candidate may name someone else.
        if (err instanceof PermanentMailError && err.smtpCode !== undefined && err.smtpCode >= 500)
          return { sent: false, bounced: true };
        throw err;
      }
    },

    async recordRefereeStatus({ refereeId, status, at, dueAt, reason: given }) {
      const when = new Date(at);
      const reason = await declineReasonOf(refereeId, given);
      // Progress only moves forward: an answer is never overwritten, an open never re-dated.
      const from: Record<typeof status, string[]> = {
        requested: ['nominated'],
        opened: ['nominated', 'requested'],
        declined: ['nominated', 'requested', 'opened'],
        bounced: ['nominated', 'requested'],
        expired: ['nominated', 'requested', 'opened'],
        cancelled: ['nominated', 'requested', 'opened'],
      };
      await db.referee.updateMany({
        where: { id: refereeId, status: { in: from[status] } },
        data: {
          status,
          ...(status === 'requested' ? { requestedAt: when, dueAt: dueAt ? new Date(dueAt) : null } : {}),
          ...(status === 'opened' ? { openedAt: when } : {}),
          ...(status === 'declined' ? { declineReason: reason ?? null } : {}),
        },
      });
    },

    async storeRefereeAnswers({
      refereeId,
      answers: sealedAnswers,
      client: sealedClient,
      openedAt,
      submittedAt,
    }) {
      const referee = await db.referee.findUniqueOrThrow({ where: { id: refereeId } });
      if (referee.status === 'answered') {
        return { late: referee.late, fraudSignals: (referee.fraudSignals as unknown[]).length };
      }
      const { journey, candidate, template } = await loadReferenceCheck(deps, referee.journeyId);
      const answers = await sealer.unseal<Record<string, unknown>>(referee.journeyId, sealedAnswers);
      const client = await sealer.unseal<ClientFingerprint>(referee.journeyId, sealedClient);
      const parsed = parseRefereeAnswers(template, answers);
      if (!parsed.success) {
        // The page validates before it calls; reaching here means a caller skipped that.
        throw ApplicationFailure.nonRetryable(
          parsed.issues.map((i) => `${i.questionId}: ${i.message}`).join('; '),
          'InvalidAnswers',
        );
      }
      const siblings = await db.referee.findMany({
        where: { journeyId: referee.journeyId },
        select: { nominatedFromIp: true, nominatedFromFingerprint: true },
      });
      const signals = detectFraudSignals({
        candidateEmail: candidate.email,
        candidateClients: siblings.map((s) => ({
          ip: s.nominatedFromIp,
          fingerprint: s.nominatedFromFingerprint,
        })),
        referee: { email: referee.email, relationship: referee.relationship as Relationship },
        refereeClient: client,
        openedAt,
        submittedAt,
        template,
        otherCandidatesNamingReferee: await otherCandidatesNaming(referee, candidate.email),
      });
      // The check already completed: the answer is kept and noted, never counted or attached.
      const late = (await db.referenceCheckResult.findUnique({ where: { journeyId: journey.id } })) !== null;
      await db.referee.updateMany({
        where: { id: refereeId, status: { not: 'answered' } },
        data: {
          status: 'answered',
          answers: parsed.answers as Prisma.InputJsonValue,
          answeredAt: new Date(submittedAt),
          answeredFromIp: client.ip,
          answeredFromFingerprint: client.fingerprint,
          fraudSignals: signals as unknown as Prisma.InputJsonValue,
          late,
        },
      });
      if (late) {
        const count = await db.referee.count({ where: { journeyId: journey.id, late: true } });
        await journeysOf(deps).noteLateAnswers(journey.id, count);
      }
      return { late, fraudSignals: signals.length };
    },
  };

  /** Other candidates of the tenant (by e-mail) who named the same referee. */
  async function otherCandidatesNaming(
    referee: { tenantId: string; journeyId: string; emailNormalized: string },
    candidateEmail: string,
  ): Promise<number> {
    const others = await db.referee.findMany({
      where: {
        tenantId: referee.tenantId,
        emailNormalized: referee.emailNormalized,
        journeyId: { not: referee.journeyId },
      },
      select: { journeyId: true },
    });
    if (!others.length) return 0;
    const candidates = await db.journeyCandidate.findMany({
      where: { journeyId: { in: [...new Set(others.map((o) => o.journeyId))] } },
      select: { email: true },
    });
    const mine = normalizeEmail(candidateEmail);
    return new Set(candidates.map((c) => normalizeEmail(c.email)).filter((e) => e !== mine)).size;
  }
}
