import type { ClientFingerprint, RefereeStatus } from '../../domain/reference-checks/types.js';
import type { SealedValue } from '../../domain/sealed.js';
import type { NominationIssueView } from '../../workflows/reference-check/messages.js';

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
    reason?: string | null;
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
  }): Promise<{ meanRating: number | null; profileUrl: string }>;
}
