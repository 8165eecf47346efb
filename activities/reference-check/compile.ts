import { createHash } from 'node:crypto';
import { journeysOf } from '../../db/repositories/journeys.js';
import { aggregateRatings, type RefereeAnswers } from '../../domain/reference-checks/answers.js';
import type { FraudSignal } from '../../domain/reference-checks/fraud.js';
import { relationshipLabel, type Relationship } from '../../domain/reference-checks/template.js';
import { renderReferenceCheckReport, type ReferenceCheckReportInput } from '../../reports/index.js';
import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import { issueReportLink } from '../../journeys/links.js';
import { candidateNameOf, loadReferenceCheck } from './context.js';
import type { ReferenceCheckActivities } from '../../workflows/reference-check/contract.js';

type ReportReferee = ReferenceCheckReportInput['referees'][number];

/**
 * Completes a reference check in the database: result, PDF report and the recruiter's link, written
 * in one transaction, so a retry either finds all of them or writes all of them.
 */
export function createCompileActivities(
  deps: AssessmentDeps & { secrets: SecretBox },
): Pick<ReferenceCheckActivities, 'compileReferenceCheck'> {
  const { db } = deps;
  const sealer = createJourneySealer(deps);
  return {
    async compileReferenceCheck({
      journeyId,
      answeredRefereeIds,
      quorum,
      partial,
      reason: said,
      reasonNote,
    }) {
      const done = await db.referenceCheckResult.findUnique({ where: { journeyId } });
      if (done) return { meanRating: done.meanRating };
      const { journey, candidate, template, branding } = await loadReferenceCheck(deps, journeyId);
      // A force-complete's operator words travel sealed: unsealed here, for the result and report.
      const reason = reasonNote ? `${said}: ${await sealer.unseal<string>(journeyId, reasonNote)}` : said;
      // Answers the workflow did not count arrived while it was completing: they are late.
      await db.referee.updateMany({
        where: { journeyId, status: 'answered', id: { notIn: answeredRefereeIds } },
        data: { late: true },
      });
      const referees = await db.referee.findMany({ where: { journeyId }, orderBy: { position: 'asc' } });
      const counted = referees.filter((r) => r.status === 'answered' && !r.late);
      const ratings = aggregateRatings(
        template,
        counted.map((r) => r.answers as RefereeAnswers),
      );
      const completedAt = new Date();
      const earliest = (dates: (Date | null)[]) =>
        dates
          .filter((d): d is Date => d !== null)
          .sort((a, b) => a.getTime() - b.getTime())[0]
          ?.toISOString();
      const nominatedAt = earliest(referees.map((r) => r.nominatedAt));
      const requestedAt = earliest(referees.map((r) => r.requestedAt));
      const pdf = await renderReferenceCheckReport({
        branding: { companyName: branding.companyName, primaryColor: branding.primaryColor },
        candidate: { name: candidateNameOf(candidate) },
        templateName: template.name,
        status: partial ? 'partial' : 'complete',
        ratingScale: {
          min: template.ratingScale.min,
          max: template.ratingScale.max,
          ...(template.ratingScale.minLabel ? { minLabel: template.ratingScale.minLabel } : {}),
          ...(template.ratingScale.maxLabel ? { maxLabel: template.ratingScale.maxLabel } : {}),
        },
        questions: template.questions.map((q) => ({ id: q.id, text: q.prompt, kind: q.kind })),
        referees: referees.map((r): ReportReferee => {
          const answers = (r.answers ?? {}) as RefereeAnswers;
          return {
            name: r.name,
            relationship: relationshipLabel[r.relationship as Relationship] ?? r.relationship,
            ...(r.company ? { company: r.company } : {}),
            email: r.email,
            ...reportStatus(r.status, r.declineReason),
            nominatedAt: r.nominatedAt.toISOString(),
            ...(r.requestedAt ? { requestedAt: r.requestedAt.toISOString() } : {}),
            ...(r.answeredAt ? { answeredAt: r.answeredAt.toISOString() } : {}),
            ...(r.dueAt ? { dueAt: r.dueAt.toISOString() } : {}),
            answers:
              r.status === 'answered'
                ? template.questions
                    .filter((q) => answers[q.id] !== undefined)
                    .map((q) =>
                      q.kind === 'rating'
                        ? { questionId: q.id, rating: Number(answers[q.id]) }
                        : { questionId: q.id, text: String(answers[q.id]) },
                    )
                : [],
            fraudSignals: (r.fraudSignals as unknown as FraudSignal[]).map((s) => ({
              kind: s.kind,
              description: s.description,
            })),
          };
        }),
        timeline: {
          ...(nominatedAt ? { nominatedAt } : {}),
          ...(requestedAt ? { requestedAt } : {}),
          completedAt: completedAt.toISOString(),
        },
        generatedAt: completedAt.toISOString(),
      });
      // Kept encrypted in the read model for test_status; never in the workflow's history.
      const profileUrl = journey.profileUrl ?? (await issueReportLink(deps, journeyId)).stored;
      const meanRating = ratings.overallMean;
      await db.$transaction([
        db.report.upsert({
          where: { journeyId },
          create: {
            journeyId,
            filename: `reference-check-report-${journeyId.replace(/[^A-Za-z0-9_-]/g, '_')}.pdf`,
            content: new Uint8Array(pdf),
            contentHash: createHash('sha256').update(pdf).digest('hex'),
          },
          update: {},
        }),
        db.referenceCheckResult.create({
          data: {
            journeyId,
            partial,
            answered: counted.length,
            quorum,
            meanRating,
            reason,
            completedAt,
          },
        }),
        journeysOf(deps).recordResult(journeyId, { profileUrl, score: meanRating }),
      ]);
      return { meanRating };
    },
  };
}

/** Our referee states in the report's words: bounced reads as declined with the reason. */
function reportStatus(
  status: string,
  declineReason: string | null,
): Pick<ReportReferee, 'status' | 'declineReason'> {
  switch (status) {
    case 'answered':
      return { status: 'answered' };
    case 'declined':
      return { status: 'declined', ...(declineReason ? { declineReason } : {}) };
    case 'bounced':
      return { status: 'declined', declineReason: 'The e-mail address could not be reached.' };
    case 'expired':
      return { status: 'expired' };
    default:
      return { status: 'pending' };
  }
}
