import { defineSignal, defineUpdate } from '@temporalio/workflow';

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
export const skipStepUpdate = defineUpdate<WritebackRecovery, [{ step: WritebackStep; reason: string }]>(
  'skipStep',
);
