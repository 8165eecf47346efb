import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClientFingerprint, RefereeStatus } from '../../domain/reference-checks/types.js';
import type { SealedValue } from '../../domain/sealed.js';
import type { ReminderPolicy } from '../../domain/assessments/definition.js';
import type { JourneyInputBase } from '../shared/contract.js';
import { cancelJourneyUpdate, journeyStateQuery, type JourneyStateBase } from '../shared/protocol.js';

/**
 * The reference-check contract: input, state, messages and activities of the journey (parent) and
 * of each referee's request (child), shared by the workflows, the activity implementations and the
 * API. Payloads carry ids and states; the only personal data crossing them are the candidate's
 * nominations and a referee's answers on their way into the database (the payload codec encrypts
 * them in Temporal's history). Message and activity names are recorded in histories.
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

export interface ReferenceCheckJourneyInput extends JourneyInputBase {
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

export interface ReferenceCheckState extends JourneyStateBase {
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
/** The reason arrives sealed with the journey's key (older histories: plain text). */
export const forceCompleteUpdate = defineUpdate<
  ReferenceCheckState,
  [{ reason: string | SealedValue; by: string }]
>('forceComplete');
/** The protocol's cancel update and state query, typed with this kind's state (same names). */
export const cancelReferenceCheckUpdate = defineUpdate<ReferenceCheckState, [{ reason: string }]>(
  cancelJourneyUpdate.name,
);
/** A child tells its parent about progress (opened, answered, declined, …). */
export const refereeProgressSignal =
  defineSignal<[{ refereeId: string; status: RefereeStatus }]>('refereeProgress');
/** Sends the nomination request again (after an operator corrected a refused address); same name as the assessment's. */
export const resendNominationUpdate = defineUpdate<ReferenceCheckState, []>('resendInvite');
export const referenceCheckStateQuery = defineQuery<ReferenceCheckState>(journeyStateQuery.name);

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
/** The reason arrives sealed with the journey's key (older histories: plain text). */
export const declineReferenceUpdate = defineUpdate<
  RefereeRequestState,
  [{ reason: string | null | SealedValue }]
>('declineReference');
/** The referee opened the questionnaire. */
export const refereeOpenedSignal =
  defineSignal<[{ client: ClientFingerprint | SealedValue }]>('refereeOpened');
/** The check completed: stop reminding, keep accepting (late) answers until the deadline. */
export const checkCompletedSignal = defineSignal<[]>('checkCompleted');
/** The check was cancelled or stopped by Greenhouse: close the request. */
export const stopRefereeSignal = defineSignal<[{ reason: string }]>('stopReferee');
export const refereeRequestStateQuery = defineQuery<RefereeRequestState>('refereeState');

// --- Activities -----------------------------------------------------------------------------------

/**
 * The reference-check activities as the workflows see them (types only). Each is idempotent; the
 * workflows pass ids, the activities read and write personal data in the database.
 */
export type NominationMailPurpose =
  'nomination_request' | 'nomination_reminder' | 'nomination_expiry' | 'replace_referee';

export interface ReferenceCheckActivities {
  /** One candidate e-mail per `<journeyId>:<purpose>:<n>`; all but the expiry carry the nomination link. */
  sendNominationEmail(input: {
    journeyId: string;
    purpose: NominationMailPurpose;
    n: number;
    deadlineAt: string;
    /** replace_referee: why a referee will not answer. */
    reason?: 'declined' | 'bounced' | 'expired';
    /** The workflow waits for a corrected address: a refusal for good fails the attempt for good (MailRefused). */
    refusalIsFinal?: boolean;
  }): Promise<{ sent: boolean }>;
  /**
   * Validates the candidate's rows against the template and the referees already named, and stores
   * them as referees `firstPosition`, `firstPosition + 1`, … (a retry finds them stored).
   */
  storeNominations(input: {
    journeyId: string;
    firstPosition: number;
    nominations: unknown[] | SealedValue;
    client: ClientFingerprint | SealedValue;
  }): Promise<
    | { ok: true; referees: { refereeId: string; relationship: string }[] }
    | { ok: false; issues: NominationIssueView[] }
  >;
  /** The referee's request or reminder, once per `<refereeId>:<purpose>:<n>`; `bounced` when the mail server refused the address. */
  sendRefereeEmail(input: {
    refereeId: string;
    purpose: 'request' | 'reminder';
    n: number;
    deadlineAt: string;
  }): Promise<{ sent: boolean; bounced: boolean }>;
  /** A referee's progress into the database (requested, opened, declined, expired, bounced, cancelled). */
  recordRefereeStatus(input: {
    refereeId: string;
    status: Exclude<RefereeStatus, 'nominated' | 'answered'>;
    at: string;
    dueAt?: string;
    /** declined: the referee's reason, sealed with the journey's key (older histories: plain). */
    reason?: string | null | SealedValue;
  }): Promise<void>;
  /**
   * Validates and stores the answers with their fraud signals (first answer wins). `late` when the
   * check had already completed: kept and noted, never counted or attached again.
   */
  storeRefereeAnswers(input: {
    refereeId: string;
    answers: Record<string, unknown> | SealedValue;
    client: ClientFingerprint | SealedValue;
    openedAt: string | null;
    submittedAt: string;
  }): Promise<{ late: boolean; fraudSignals: number }>;
  /**
   * Stores the result (mean rating, partial or not), renders the PDF report into the database and
   * issues the recruiter's report link. Answers of referees not in `answeredRefereeIds` arrived
   * after the workflow decided to complete: they are marked late.
   */
  compileReferenceCheck(input: {
    journeyId: string;
    answeredRefereeIds: string[];
    quorum: number;
    partial: boolean;
    reason: string;
    /** A force-complete's operator words, sealed: the activity unseals them after `reason: `. */
    reasonNote?: SealedValue;
  }): Promise<{ meanRating: number | null }>;
}
