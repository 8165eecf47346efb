import { ApplicationFailure } from '@temporalio/common';
import { Prisma } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import {
  autoGrade,
  finalizeGrade,
  parseAnswers,
  type AutoGrade,
  type GraderScores,
} from '../../domain/assessments/grading.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import { loadJourney, type AssessmentDeps } from '../../journeys/journey-context.js';
import { issueLink } from '../../journeys/links.js';
import type { AssessmentActivities } from '../../workflows/assessment/contract.js';

const YEAR = 365 * 86_400_000;

/** Answers, grades and the final result: stored in the database, summarised to the workflow. */
export function createResultActivities(
  deps: AssessmentDeps & { secrets: SecretBox },
): Pick<AssessmentActivities, 'storeSubmission' | 'storeGrades' | 'finalizeResult'> {
  const { db } = deps;
  const sealer = createJourneySealer(deps);
  return {
    async storeSubmission({ journeyId, answers: sealedAnswers, submittedAt }) {
      const existing = await db.submission.findUnique({ where: { journeyId } });
      if (existing)
        return { freeTextToGrade: (existing.autoGrade as unknown as AutoGrade).pendingQuestionIds.length };
      const { test } = await loadJourney(deps, journeyId);
      // The page sealed the answers with the journey's key on their way through Temporal.
      const answers = await sealer.unseal(journeyId, sealedAnswers);
      const parsed = parseAnswers(test, answers);
      if (!parsed.success) {
        // The API validates before it calls; reaching here means a caller skipped that.
        throw ApplicationFailure.nonRetryable(parsed.message, 'InvalidAnswers');
      }
      const grade = autoGrade(test, parsed.answers);
      await db.submission
        .create({
          data: {
            journeyId,
            answers: parsed.answers as Prisma.InputJsonValue,
            submittedAt: new Date(submittedAt),
            autoGrade: grade as unknown as Prisma.InputJsonValue,
          },
        })
        .catch((err: unknown) => {
          // A concurrent attempt stored it first: same answers, same grade.
          if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        });
      return { freeTextToGrade: grade.pendingQuestionIds.length };
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
      // The recruiter's link to the report: issued once, kept in the read model for test_status.
      const profileUrl =
        existingLink.profileUrl ??
        (await issueLink(db, {
          journeyId,
          purpose: 'report',
          expiresAt: new Date(Date.now() + 5 * YEAR),
          publicBaseUrl: deps.publicBaseUrl,
        }));
      await db.$transaction([
        db.submission.update({
          where: { journeyId },
          data: { result: result as unknown as Prisma.InputJsonValue },
        }),
        journeysOf(deps).recordResult(journeyId, { profileUrl, score: result.scorePercent }),
      ]);
      return { scorePercent: result.scorePercent, passed: result.passed, profileUrl };
    },
  };
}
