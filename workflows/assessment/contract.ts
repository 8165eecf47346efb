import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApplicationActivities, JourneyInputBase, WritebackActivities } from '../shared/contract.js';
import { cancelJourneyUpdate, journeyStateQuery, type JourneyStateBase } from '../shared/protocol.js';
import type { SealedValue } from '../../domain/sealed.js';

/**
 * The assessment journey's contract: its input, state, messages and activities, shared by the
 * workflow, the activity implementations and the API. Payloads carry ids and scores; personal data
 * and answers stay in the database. Message and activity names are recorded in histories.
 */

/** Timing rules a journey keeps for its whole life (versioning: a later policy change never applies). */
export interface AssessmentPolicy {
  deadlineDays: number;
  reminders: { afterInviteHours: number[]; beforeDeadlineHours: number[] };
  graderReminderHours: number[];
  /** Vendor mode: how often and how long to look for the candidate's application in Greenhouse. */
  applicationMatch: { intervalSeconds: number; attempts: number };
  /** The test's time limit, counted from the first open of the test page (absent: none). */
  timeLimitMinutes?: number;
}

export interface AssessmentJourneyInput extends JourneyInputBase {
  policy: AssessmentPolicy;
}

export interface AssessmentJourneyState extends JourneyStateBase {
  deadlineAt: string | null;
  invitesSent: number;
  remindersSent: number;
  scorePercent: number | null;
  passed: boolean | null;
  /** When the time limit runs out (set once the candidate opened the test; absent without a limit). */
  timeLimitEndsAt?: string;
  /** True when the workflow took the submission at the time limit. */
  timedOut?: boolean;
}

// --- Messages -------------------------------------------------------------------------------------

export interface SubmitAnswersRequest {
  answers: unknown;
}
/** The grader's comments and identity arrive sealed with the journey's key (older histories: plain). */
export interface SubmitGradesRequest {
  scores: Record<string, { points: number; comment?: string }> | SealedValue;
  gradedBy: string | SealedValue;
}

export const submitAnswersUpdate = defineUpdate<AssessmentJourneyState, [SubmitAnswersRequest]>(
  'submitAnswers',
);
export const submitGradesUpdate = defineUpdate<AssessmentJourneyState, [SubmitGradesRequest]>('submitGrades');
export const resendInviteUpdate = defineUpdate<AssessmentJourneyState, []>('resendInvite');
export const extendDeadlineUpdate = defineUpdate<AssessmentJourneyState, [{ deadlineAt: string }]>(
  'extendDeadline',
);
/** The candidate opened the test page (startedAt: the first open, as the page recorded it). */
export const testStartedSignal = defineSignal<[TestStarted?]>('testStarted');
export interface TestStarted {
  startedAt: string;
  /**
   * The pinned test's limit, as the page enforces it: journeys started before the policy carried
   * one learn it here, so the workflow and the page always agree.
   */
  timeLimitMinutes?: number;
}
/** The protocol's state query and cancel update, typed with this kind's state (same names). */
export const assessmentStateQuery = defineQuery<AssessmentJourneyState>(journeyStateQuery.name);
export const cancelUpdate = defineUpdate<AssessmentJourneyState, [{ reason: string }]>(
  cancelJourneyUpdate.name,
);

// --- Activities -----------------------------------------------------------------------------------

export type CandidateEmailPurpose = 'invite' | 'reminder' | 'expiry';

export interface FinalResult {
  scorePercent: number;
  passed: boolean;
  // No report link here: it stays out of the history (journeys/links.ts, stored encrypted).
}

/** The assessment's own activities. Every one is idempotent: it may run more than once, its effect happens once. */
export interface AssessmentStepActivities {
  /** Sends one candidate e-mail once; an invite also issues the private test link it contains. */
  sendCandidateEmail(input: {
    journeyId: string;
    purpose: CandidateEmailPurpose;
    n: number;
    deadlineAt: string;
    /** A refusal for good fails non-retryable (MailRefused) instead of retrying: the caller waits for a fix. */
    refusalIsFinal?: boolean;
  }): Promise<{ sent: boolean }>;
  /** Stores the validated answers (first submission wins) and grades the keyed questions. */
  storeSubmission(input: { journeyId: string; answers: unknown; submittedAt: string }): Promise<{
    freeTextToGrade: number;
  }>;
  /**
   * The time limit ran out: stores the answers saved so far (or none) as the submission, marked
   * timed out, unless the candidate's own submission got there first.
   */
  takeTimedOutSubmission(input: { journeyId: string; submittedAt: string }): Promise<{
    freeTextToGrade: number;
  }>;
  /** Issues a grading link and e-mails the grader (n = 1 for the request, then reminders). */
  requestGrading(input: { journeyId: string; n: number; dueBy: string }): Promise<{ sent: boolean }>;
  storeGrades(input: {
    journeyId: string;
    scores: Record<string, { points: number; comment?: string }> | SealedValue;
    gradedBy: string | SealedValue;
  }): Promise<void>;
  /** Combines automatic and grader points; stores the result. */
  finalizeResult(input: { journeyId: string }): Promise<FinalResult>;
  /** Renders the PDF report into the database (never into the workflow history). */
  renderReport(input: { journeyId: string }): Promise<{ contentHash: string; bytes: number }>;
}

/** Everything the assessment journey calls: its own steps plus the kind-neutral Greenhouse ones. */
export type AssessmentActivities = AssessmentStepActivities & ApplicationActivities & WritebackActivities;
