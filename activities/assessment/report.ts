import { createHash } from 'node:crypto';
import type { AutoGrade, TestResult } from '../../domain/assessments/grading.js';
import { renderAssessmentReport } from '../../reports/index.js';
import { loadJourney, type AssessmentDeps } from '../../journeys/journey-context.js';
import type { AssessmentActivities } from '../../workflows/assessment/contract.js';

/** Renders the PDF into the database; the workflow only learns its hash and size. */
export function createReportActivities(deps: AssessmentDeps): Pick<AssessmentActivities, 'renderReport'> {
  return {
    async renderReport({ journeyId }) {
      const existing = await deps.db.report.findUnique({
        where: { journeyId },
        select: { contentHash: true, content: true },
      });
      if (existing) return { contentHash: existing.contentHash, bytes: existing.content.length };
      const { journey, candidate, test, branding } = await loadJourney(deps, journeyId);
      const submission = await deps.db.submission.findUniqueOrThrow({ where: { journeyId } });
      const result = submission.result as unknown as TestResult | null;
      if (!result) throw new Error(`journey ${journeyId} has no final result to report`);
      const answers = submission.answers as Record<string, unknown>;
      const graderScores = (submission.graderScores ?? {}) as Record<
        string,
        { points: number; comment?: string }
      >;
      const pending = new Set((submission.autoGrade as unknown as AutoGrade).pendingQuestionIds);
      const freeText = test.sections
        .flatMap((s) => s.questions)
        .filter((q) => q.kind === 'free_text' && pending.has(q.id))
        .map((q) => ({
          question: q.prompt,
          answer: String(answers[q.id] ?? ''),
          points: graderScores[q.id]?.points ?? 0,
          maxPoints: q.points,
          ...(graderScores[q.id]?.comment ? { graderComment: graderScores[q.id]!.comment } : {}),
          ...(submission.gradedBy ? { gradedBy: submission.gradedBy } : {}),
        }));
      const pdf = await renderAssessmentReport({
        branding: { companyName: branding.companyName, primaryColor: branding.primaryColor },
        candidate: { name: candidate ? `${candidate.firstName} ${candidate.lastName}` : 'Candidate' },
        test: { name: test.name, version: String(journey.testVersion) },
        score: {
          points: result.scorePoints,
          maxPoints: result.maxPoints,
          passMarkPercent: result.passMarkPercent,
        },
        sections: result.sections.map((s) => ({ name: s.title, points: s.points, maxPoints: s.maxPoints })),
        freeTextAnswers: freeText,
        timing: {
          invitedAt: journey.createdAt.toISOString(),
          submittedAt: submission.submittedAt.toISOString(),
          ...(submission.startedAt ? { startedAt: submission.startedAt.toISOString() } : {}),
          ...(test.timeLimitMinutes ? { timeLimitMinutes: test.timeLimitMinutes } : {}),
        },
        gradedBy: ['Automatic scoring', ...(submission.gradedBy ? [submission.gradedBy] : [])],
        // Deterministic bytes for one result: the submission time, not the render time.
        generatedAt: (submission.gradedAt ?? submission.submittedAt).toISOString(),
      });
      const contentHash = createHash('sha256').update(pdf).digest('hex');
      await deps.db.report.upsert({
        where: { journeyId },
        create: {
          journeyId,
          filename: `assessment-report-${journeyId.replace(/[^A-Za-z0-9_-]/g, '_')}.pdf`,
          content: new Uint8Array(pdf),
          contentHash,
        },
        update: {},
      });
      return { contentHash, bytes: pdf.length };
    },
  };
}
