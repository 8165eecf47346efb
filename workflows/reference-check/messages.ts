import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';
import type { ClientFingerprint, RefereeStatus } from '../../domain/reference-checks/types.js';
import type { SealedValue } from '../../domain/sealed.js';
import type { ReminderPolicy } from '../../domain/tests/definition.js';

/**
 * Messages of the reference-check journey (parent) and of each referee's request (child).
 * Payloads carry ids and states; the only personal data crossing them are the candidate's
 * nominations and a referee's answers on their way into the database (the payload codec
 * encrypts them in Temporal's history).
 */

/** Timing and counting rules a check keeps for its whole life (a later template change never applies). */
export interface ReferenceCheckPolicy {
  /** The candidate's deadline for naming referees, from the invite. */
  nominationDeadlineDays: number;
  /** Each referee's deadline, from their request. */
  refereeDeadlineDays: number;
  /** The whole check's deadline, from the invite: then it completes with what has arrived. */
  deadlineDays: number;
  candidateReminders: ReminderPolicy;
  refereeReminders: ReminderPolicy;
  minReferees: number;
  maxReferees: number;
  quorum: number;
  /** Vendor mode: how often and how long to look for the candidate's application in Greenhouse. */
  applicationMatch: { intervalSeconds: number; attempts: number };
}

export interface ReferenceCheckJourneyInput {
  journeyId: string;
  tenantId: string;
  testId: string;
  testVersion: number;
  trigger: 'greenhouse' | 'vendor' | 'webhook';
  applicationId: string | null;
  policy: ReferenceCheckPolicy;
}

export type { ClientFingerprint, RefereeStatus };

export interface RefereeView {
  /** Also the child workflow's id: `<journeyId>:referee-<n>` (domain/ids.ts refereeId). */
  refereeId: string;
  relationship: string;
  status: RefereeStatus;
  /** Answered after the check had completed: kept, not counted, not re-attached. */
  late: boolean;
}

export interface ReferenceCheckState {
  journeyId: string;
  status: JourneyStatus;
  /** Plain words: what the check waits for now, or how it ended. */
  waitingFor: string | null;
  nominationDeadlineAt: string | null;
  deadlineAt: string | null;
  invitesSent: number;
  remindersSent: number;
  referees: RefereeView[];
  answered: number;
  quorum: number;
  /** Completed with fewer answers than the quorum (deadline or force-complete). */
  partial: boolean | null;
  meanRating: number | null;
  stopReason: string | null;
}

export interface NominateRefereesRequest {
  /** Raw rows from the nomination page (sealed with the journey's key); validated by the activity. */
  nominations: unknown[] | SealedValue;
  client: ClientFingerprint | SealedValue;
}
export interface NominationIssueView {
  /** Row on the page (0-based), or null for the whole form (e.g. "name at least 2 referees"). */
  index: number | null;
  field: string;
  message: string;
}
export type NominateRefereesResult =
  | { ok: true; refereeIds: string[]; state: ReferenceCheckState }
  | { ok: false; issues: NominationIssueView[] };

export const nominateRefereesUpdate = defineUpdate<NominateRefereesResult, [NominateRefereesRequest]>(
  'nominateReferees',
);
export const forceCompleteUpdate = defineUpdate<ReferenceCheckState, [{ reason: string; by: string }]>(
  'forceComplete',
);
export const cancelReferenceCheckUpdate = defineUpdate<ReferenceCheckState, [{ reason: string }]>('cancel');
/** A child tells its parent about progress (opened, answered, declined, …). */
export const refereeProgressSignal =
  defineSignal<[{ refereeId: string; status: RefereeStatus }]>('refereeProgress');
export const referenceCheckStateQuery = defineQuery<ReferenceCheckState>('state');

// --- The referee's request (child workflow) -------------------------------------------------------

export interface RefereeRequestInput {
  /** The parent journey. */
  journeyId: string;
  tenantId: string;
  refereeId: string;
  deadlineDays: number;
  reminders: ReminderPolicy;
}

export interface RefereeRequestState {
  refereeId: string;
  status: RefereeStatus;
  deadlineAt: string | null;
  remindersSent: number;
  late: boolean;
  /** The check completed: no more reminders, answers are still accepted until the deadline. */
  checkCompleted: boolean;
}

export interface SubmitReferenceRequest {
  /** Raw answers from the questionnaire page (sealed with the journey's key); validated again by the activity. */
  answers: Record<string, unknown> | SealedValue;
  client: ClientFingerprint | SealedValue;
  /** When the referee opened the questionnaire this time (for "answered implausibly fast"). */
  openedAt: string | null;
}

export const submitReferenceUpdate = defineUpdate<RefereeRequestState, [SubmitReferenceRequest]>(
  'submitReference',
);
export const declineReferenceUpdate = defineUpdate<RefereeRequestState, [{ reason: string | null }]>(
  'declineReference',
);
/** The referee opened the questionnaire. */
export const refereeOpenedSignal = defineSignal<[{ client: ClientFingerprint }]>('refereeOpened');
/** The check completed: stop reminding, keep accepting (late) answers until the deadline. */
export const checkCompletedSignal = defineSignal<[]>('checkCompleted');
/** The check was cancelled or stopped by Greenhouse: close the request. */
export const stopRefereeSignal = defineSignal<[{ reason: string }]>('stopReferee');
export const refereeRequestStateQuery = defineQuery<RefereeRequestState>('refereeState');
