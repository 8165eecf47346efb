import { quorumOf, ReferenceCheckTemplate } from '../../domain/reference-checks/template.js';
import type { ReferenceCheckJourneyInput } from '../../workflows/reference-check/contract.js';
import type { JourneyKindModule } from './kind-module.js';
import { signalGreenhouseStop } from './stop.js';

/**
 * A reference check: the candidate names referees, each answers a questionnaire; the result is the
 * mean rating and never a pass/fail (it informs a person, it never decides).
 */
export const referenceCheckKind = {
  kind: 'reference_check',
  label: { withArticle: 'a reference check', short: 'reference check' },
  catalogue: { kindField: 'reference_check', schema: ReferenceCheckTemplate, source: 'operator' },
  workflow: {
    type: 'referenceCheckJourney',
    input(t, { applicationMatch, ...ids }): ReferenceCheckJourneyInput {
      return {
        ...ids,
        policy: {
          nominationDeadlineDays: t.nominationDeadlineDays,
          refereeDeadlineDays: t.refereeDeadlineDays,
          deadlineDays: t.deadlineDays,
          candidateReminders: t.reminders.candidate,
          refereeReminders: t.reminders.referee,
          minReferees: t.referees.min,
          maxReferees: t.referees.max,
          quorum: quorumOf(t),
          applicationMatch,
        },
      };
    },
  },
  async writeBackOutcome(db, entry, journeyId) {
    const result = await db.referenceCheckResult.findUnique({ where: { journeyId } });
    if (!result) throw new Error(`journey ${journeyId} has no result to write`);
    const { max } = entry.definition.ratingScale;
    const rating = result.meanRating === null ? 'no ratings' : `mean rating ${result.meanRating} of ${max}`;
    return {
      testName: entry.name,
      score: result.meanRating,
      scoreText: result.meanRating === null ? null : `${result.meanRating} / ${max}`,
      passed: null,
      completedAt: result.completedAt,
      summary: `${entry.name}: ${result.answered} of ${result.quorum} referees answered, ${rating}${result.partial ? ' (partial)' : ''}.`,
    };
  },
  /** Tells the recruiter how many referees answered and whether it is partial. */
  async testStatusMetadata(db, journey) {
    if (journey.status !== 'complete') return null;
    const references = await db.referenceCheckResult.findUnique({ where: { journeyId: journey.id } });
    if (!references) return null;
    return {
      'Referees answered': `${references.answered} of ${references.quorum} required`,
      Completion: references.partial ? 'partial' : 'complete',
    };
  },
  /** Its score is the mean rating, if any. */
  async reconciliationFields(db, journeyId) {
    const result = await db.referenceCheckResult.findUnique({ where: { journeyId } });
    return result?.meanRating !== null && result?.meanRating !== undefined ? ['score'] : [];
  },
  /** Each referee's request is a workflow of its own, keyed by the referee id. */
  async eraseRelatedWorkflows(db, journeyId) {
    const referees = await db.referee.findMany({ where: { journeyId }, select: { id: true } });
    return referees.map((r) => r.id);
  },
  stopOnGreenhouseEvent: signalGreenhouseStop,
  pages: ['nominate'],
  // resend: the nomination request, to a corrected address after a refusal for good.
  operatorActions: { resend: true, extend: false, forceComplete: true },
  async operatorDetail(db, journeyId) {
    const referees = await db.referee.findMany({
      where: { journeyId },
      orderBy: { position: 'asc' },
      // Where each referee stands; names and answers stay on the report.
      select: {
        id: true,
        relationship: true,
        status: true,
        late: true,
        requestedAt: true,
        answeredAt: true,
        dueAt: true,
        fraudSignals: true,
      },
    });
    return { referees };
  },
} as const satisfies JourneyKindModule<'reference_check', ReferenceCheckTemplate>;
