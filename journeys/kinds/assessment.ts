import { TestDefinition } from '../../domain/assessments/definition.js';
import type { AssessmentJourneyInput } from '../../workflows/assessment/contract.js';
import type { JourneyKindModule } from './kind-module.js';
import { signalGreenhouseStop } from './stop.js';

/** An assessment test: the candidate takes it, free-text answers are graded, the score decides. */
export const assessmentKind = {
  kind: 'assessment',
  label: { withArticle: 'an assessment test', short: 'test' },
  catalogue: { kindField: undefined, schema: TestDefinition, source: 'operator' },
  workflow: {
    type: 'assessmentJourney',
    input(d, { applicationMatch, ...ids }): AssessmentJourneyInput {
      return {
        ...ids,
        policy: {
          deadlineDays: d.deadlineDays,
          reminders: d.reminders,
          graderReminderHours: d.graderReminderHours,
          applicationMatch,
          ...(d.timeLimitMinutes ? { timeLimitMinutes: d.timeLimitMinutes } : {}),
        },
      };
    },
  },
  async writeBackOutcome(db, entry, journeyId) {
    const submission = await db.submission.findUniqueOrThrow({ where: { journeyId } });
    const result = submission.result as {
      scorePercent: number;
      passed: boolean;
      passMarkPercent: number;
    } | null;
    if (!result) throw new Error(`journey ${journeyId} has no result to write`);
    return {
      testName: entry.name,
      score: result.scorePercent,
      scoreText: `${result.scorePercent}%`,
      passed: result.passed,
      completedAt: submission.gradedAt ?? submission.submittedAt,
      summary: `${entry.name}: ${result.scorePercent}% (${result.passed ? 'passed' : 'did not pass'}; pass mark ${result.passMarkPercent}%).${submission.timedOut ? ' The time limit ran out: the answers saved by then were scored.' : ''}`,
    };
  },
  testStatusMetadata: () => Promise.resolve(null),
  reconciliationFields: () => Promise.resolve(['score', 'pass_fail']),
  eraseRelatedWorkflows: () => Promise.resolve([]),
  stopOnGreenhouseEvent: signalGreenhouseStop,
  pages: [],
  operatorActions: { resend: true, extend: true, forceComplete: false },
  operatorDetail: () => Promise.resolve({}),
} as const satisfies JourneyKindModule<'assessment', TestDefinition>;
