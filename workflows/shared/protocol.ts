import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';
import type { SealedValue } from '../../domain/sealed.js';

/**
 * The journey protocol: the messages every journey kind answers, defined once for the workflows and
 * for their callers (API, journeys/). The string names are registered with Temporal: running
 * workflows and recorded histories depend on them, so they never change.
 */

/** What every journey's state shows; each kind adds its own fields. */
export interface JourneyStateBase {
  journeyId: string;
  status: JourneyStatus;
  /** Plain words: what the journey waits for now, or why it ended. */
  waitingFor: string | null;
  /** Why it stopped early (cancelled by an operator, rejected or hired in Greenhouse, …). */
  stopReason: string | null;
  /**
   * The operator's own words behind stopReason (a cancel), sealed with the journey's key: readers
   * unseal them and show `<stopReason>: <words>`; erasure leaves them unreadable in the history.
   */
  stopNote?: SealedValue | null;
}

/** The journey's state (each kind's contract narrows the type, same name). */
export const journeyStateQuery = defineQuery<JourneyStateBase>('state');
/** An operator cancels the journey (validated: only while it can still be cancelled). */
/** The reason arrives sealed with the journey's key (older histories: plain text). */
export const cancelJourneyUpdate = defineUpdate<JourneyStateBase, [{ reason: string | SealedValue }]>(
  'cancel',
);
/** Greenhouse said the candidate was rejected, hired, deleted or anonymised: stop, quietly. Every journey kind handles it. */
export const greenhouseStopSignal = defineSignal<[{ event: string }]>('greenhouseStop');

/** The write-back steps after a result, in order (Greenhouse activities of both journey kinds). */
export const writebackSteps = [
  'sendCompletionPatch',
  'writeCustomFields',
  'addResultNote',
  'attachReport',
  'moveStageOnResult',
] as const;
export type WritebackStep = (typeof writebackSteps)[number];

export interface WritebackRecovery {
  /** The step that failed for good and waits for an operator, or null. */
  failedStep: WritebackStep | null;
  message: string | null;
  /** Steps an operator chose to skip. */
  skipped: WritebackStep[];
}

/** Re-run the failed write-back step (e.g. after the customer fixed a Harvest permission). */
export const retryStepUpdate = defineUpdate<WritebackRecovery, [{ step?: WritebackStep }]>('retryStep');
/** Give up on the failed write-back step and go on with the next. */
/** The reason arrives sealed with the journey's key (older histories: plain text); the workflow keeps it unread. */
export const skipStepUpdate = defineUpdate<
  WritebackRecovery,
  [{ step: WritebackStep; reason: string | SealedValue }]
>('skipStep');
