import type { JourneySnapshot } from '../../domain/journey.js';
import type { SealedValue } from '../../domain/sealed.js';

/**
 * The kind-neutral activities every journey calls (types only: no I/O crosses into workflows).
 * The activity names (the keys) are recorded in histories: they never change.
 */

/** The read model: what operators and Greenhouse's test_status read without asking Temporal. */
export interface JourneyActivities {
  /** `statusNote`: an operator's sealed words, unsealed and appended to statusDetail (`detail: words`). */
  recordJourneySnapshot(
    snapshot: JourneySnapshot & { statusNote?: SealedValue },
  ): Promise<{ applied: boolean }>;
  /** Marks (or clears, with step null) the write-back step a journey waits on an operator for. */
  recordWritebackWaiting(input: {
    journeyId: string;
    step: string | null;
    message: string | null;
  }): Promise<void>;
  /**
   * Marks (reason) or clears (null) that the journey waits for its tenant's Greenhouse connection.
   * Answers the connection's status now: 'connected' means it was reconnected meanwhile (for
   * `on: 'callback'`, that the mode's callback credential is no longer refused).
   */
  recordGreenhouseWaiting(input: {
    journeyId: string;
    reason: string | null;
    /** The credential waited for; absent means the Harvest connection (histories before callback waits). */
    on?: 'callback';
  }): Promise<{ connection: 'connected' | 'disconnected' | 'needs_consent' | 'none' }>;
  /**
   * Vendor mode gave up looking for the candidate's application: tells operators on the timeline
   * (once) and counts it (greenroom_application_match_gave_up_total).
   */
  recordApplicationGiveUp(input: {
    journeyId: string;
    kind: string;
    attempts: number;
    reason: string;
  }): Promise<{
    recorded: boolean;
  }>;
}

export interface ApplicationMatch {
  found: boolean;
  applicationId: string | null;
  candidateId: string | null;
  /** Plain words when not found, e.g. "no application for this e-mail on job 101 yet". */
  reason: string | null;
}

/** Vendor mode: the candidate's application must exist in Greenhouse before results can land. */
export interface ApplicationActivities {
  /** Finds the candidate's Greenhouse application by e-mail (+ job). */
  findApplication(input: { journeyId: string }): Promise<ApplicationMatch>;
}

/** The result's way into Greenhouse, the same for every journey kind (one idempotency ledger). */
export interface WritebackActivities {
  /** PATCH to Greenhouse's completion URL (Greenhouse-triggered journeys). */
  sendCompletionPatch(input: { journeyId: string }): Promise<{ sent: boolean }>;
  writeCustomFields(input: { journeyId: string }): Promise<{ written: number }>;
  addResultNote(input: { journeyId: string }): Promise<{ added: boolean }>;
  attachReport(input: { journeyId: string }): Promise<{ attached: boolean }>;
  /** The job's optional rule: pass → stage X, fail → stage Y. */
  moveStageOnResult(input: { journeyId: string; passed: boolean }): Promise<{ moved: boolean }>;
  /**
   * An operator issued the journey's `n`-th report link: a new note carries it (once per `n`),
   * where the result note went out with a link that may no longer open.
   */
  addReportLinkNote(input: { journeyId: string; n: number }): Promise<{ added: boolean }>;
}

/** What every journey's input carries (each kind adds its policy). */
export interface JourneyInputBase {
  journeyId: string;
  tenantId: string;
  testId: string;
  testVersion: number;
  trigger: 'greenhouse' | 'vendor' | 'webhook';
  /** Known Greenhouse ids (vendor mode finds them first). */
  applicationId: string | null;
  /**
   * The start path the journey began on (issue 17); absent in journeys started before it. 2: the
   * start wrote the first snapshot itself (status `created`, 'preparing the invitation'); the steps
   * up to the invite take the branches of the patches 'lean-start' and 'invite-refused-waits'
   * without recording patch markers (each marker also upserts a search attribute); and the first
   * attempt of the application search and of the invite runs as a local activity. Fixed in the
   * input, so every history replays the path it ran.
   */
  startPath?: typeof START_PATH;
}

/** The start path journeys begin on today (JourneyInputBase.startPath). */
export const START_PATH = 2;

/** What a journey waits for before its invite: the status detail of its first snapshot. */
export const JOURNEY_PREPARING = 'preparing the invitation';
