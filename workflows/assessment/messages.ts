import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';

/** Timing rules a journey keeps for its whole life (versioning: a later policy change never applies). */
export interface AssessmentPolicy {
  deadlineDays: number;
  reminders: { afterInviteHours: number[]; beforeDeadlineHours: number[] };
  graderReminderHours: number[];
  /** Vendor mode: how often and how long to look for the candidate's application in Greenhouse. */
  applicationMatch: { intervalSeconds: number; attempts: number };
}

export interface AssessmentJourneyInput {
  journeyId: string;
  tenantId: string;
  testId: string;
  testVersion: number;
  trigger: 'greenhouse' | 'vendor' | 'webhook';
  /** Known Greenhouse ids (vendor mode finds them first). */
  applicationId: string | null;
  policy: AssessmentPolicy;
}

export interface AssessmentJourneyState {
  journeyId: string;
  status: JourneyStatus;
  /** Plain words: what the journey waits for now, or why it ended. */
  waitingFor: string | null;
  deadlineAt: string | null;
  invitesSent: number;
  remindersSent: number;
  scorePercent: number | null;
  passed: boolean | null;
  /** Why it stopped early (cancelled by an operator, rejected or hired in Greenhouse, …). */
  stopReason: string | null;
}

export interface SubmitAnswersRequest {
  answers: unknown;
}
export interface SubmitGradesRequest {
  scores: Record<string, { points: number; comment?: string }>;
  gradedBy: string;
}

export const submitAnswersUpdate = defineUpdate<AssessmentJourneyState, [SubmitAnswersRequest]>(
  'submitAnswers',
);
export const submitGradesUpdate = defineUpdate<AssessmentJourneyState, [SubmitGradesRequest]>('submitGrades');
export const resendInviteUpdate = defineUpdate<AssessmentJourneyState, []>('resendInvite');
export const extendDeadlineUpdate = defineUpdate<AssessmentJourneyState, [{ deadlineAt: string }]>(
  'extendDeadline',
);
export const cancelUpdate = defineUpdate<AssessmentJourneyState, [{ reason: string }]>('cancel');
export { greenhouseStopSignal } from '../shared/journey-messages.js';
/** The candidate opened the test page. */
export const testStartedSignal = defineSignal<[]>('testStarted');
export const assessmentStateQuery = defineQuery<AssessmentJourneyState>('state');
