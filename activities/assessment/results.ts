import { ApplicationFailure } from '@temporalio/common';
import { Prisma } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import {
  autoGrade,
  finalizeGrade,
  parseAnswers,
  type Answers,
  type AutoGrade,
  type GraderScores,
} from '../../domain/assessments/grading.js';
import type { TestDefinition } from '../../domain/assessments/definition.js';
import { testAttemptsOf } from '../../db/repositories/test-attempts.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import { loadJourney, type AssessmentDeps } from '../../journeys/journey-context.js';
import { issueReportLink } from '../../journeys/links.js';
import type { AssessmentActivities } from '../../workflows/assessment/contract.js';

/** Answers, grades and the final result: stored in the database, summarised to the workflow. */
export function createResultActivities(
  deps: AssessmentDeps & { secrets: SecretBox },
): Pick<
  AssessmentActivities,
  'storeSubmission' | 'takeTimedOutSubmission' | 'storeGrades' | 'finalizeResult'
> {
  const { db } = deps;
  const sealer = createJourneySealer(deps);
  const attempts = testAttemptsOf(db);
  const pendingOf = (submission: { autoGrade: unknown }) => ({
    freeTextToGrade: (submission.autoGrade as AutoGrade).pendingQuestionIds.length,
  });

  /** Grades the keyed questions and stores the submission once, with when the attempt started. */
  async function store(
    journeyId: string,
    test: TestDefinition,
    answers: Answers,
    submittedAt: string,
    timedOut: boolean,
  ) {
    const grade = autoGrade(test, answers);
    const startedAt = (await attempts.find(journeyId))?.startedAt ?? null;
    await db.submission
      .create({
        data: {
          journeyId,
          answers: answers as Prisma.InputJsonValue,
          startedAt,
          submittedAt: new Date(submittedAt),
          autoGrade: grade as unknown as Prisma.InputJsonValue,
          timedOut,
        },
      })
      .catch((err: unknown) => {
        // A concurrent attempt stored it first: same answers, same grade.
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      });
    return { freeTextToGrade: grade.pendingQuestionIds.length };
  }

  return {
    async storeSubmission({ journeyId, answers: sealedAnswers, submittedAt }) {
      const existing = await db.submission.findUnique({ where: { journeyId } });
      if (existing) return pendingOf(existing);
      const { test } = await loadJourney(deps, journeyId);
      // The page sealed the answers with the journey's key on their way through Temporal.
      const answers = await sealer.unseal(journeyId, sealedAnswers);
      const parsed = parseAnswers(test, answers);
      if (!parsed.success) {
        // The API validates before it calls; reaching here means a caller skipped that.
        throw ApplicationFailure.nonRetryable(parsed.message, 'InvalidAnswers');
      }
      return store(journeyId, test, parsed.answers, submittedAt, false);
    },

    async takeTimedOutSubmission({ journeyId, submittedAt }) {
      const existing = await db.submission.findUnique({ where: { journeyId } });
      if (existing) return pendingOf(existing);
      const { test } = await loadJourney(deps, journeyId);
      const draft = (await attempts.find(journeyId))?.draft;
      // The page validated the draft when it was saved; a test edited since cannot change a pinned version.
      const parsed = draft ? parseAnswers(test, await sealer.unseal(journeyId, draft)) : null;
      return store(journeyId, test, parsed?.success ? parsed.answers : {}, submittedAt, true);
    },

    async storeGrades({ journeyId, scores: sealedScores, gradedBy: sealedBy }) {
      // The grade page sealed comments and the grader's identity on their way through Temporal.
      const scores = await sealer.unseal<Record<string, { points: number; comment?: string }>>(
        journeyId,
        sealedScores,
      );
      const gradedBy = await sealer.unseal<string>(journeyId, sealedBy);
      await db.submission.update({
        where: { journeyId },
        data: { graderScores: scores as Prisma.InputJsonValue, gradedBy, gradedAt: new Date() },
      });
    },

    async finalizeResult({ journeyId }) {
      const { test } = await loadJourney(deps, journeyId);
      const submission = await db.submission.findUniqueOrThrow({ where: { journeyId } });
      const result = finalizeGrade(
        test,
        submission.autoGrade as unknown as AutoGrade,
        (submission.graderScores ?? {}) as unknown as GraderScores,
      );
      const existingLink = await journeysOf(deps).getOrThrow(journeyId);
      // The recruiter's link to the report: issued once, kept encrypted in the read model for
      // test_status; it never enters the workflow's history.
      const profileUrl = existingLink.profileUrl ?? (await issueReportLink(deps, journeyId)).stored;
      await db.$transaction([
        db.submission.update({
          where: { journeyId },
          data: { result: result as unknown as Prisma.InputJsonValue },
        }),
        journeysOf(deps).recordResult(journeyId, { profileUrl, score: result.scorePercent }),
      ]);
      return { scorePercent: result.scorePercent, passed: result.passed };
    },
  };
}
