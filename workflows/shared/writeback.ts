import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { isSealed } from '../../domain/sealed.js';
import type { JourneyActivities } from './contract.js';
import { localActivityOptions } from './activity-options.js';
import { withGreenhouseConnection } from './greenhouse-wait.js';
import { retryStepUpdate, skipStepUpdate, type WritebackRecovery, type WritebackStep } from './protocol.js';

/**
 * Runs the write-back steps in order. A step that fails for good (a non-retryable Harvest error:
 * a missing permission, a 422) does not fail the journey: it waits, visibly, for an operator to
 * retry it (after the customer fixed the permission) or skip it. Failures that can heal never get
 * here: their activities retry on their own.
 */
const { recordWritebackWaiting } = proxyActivities<JourneyActivities>(localActivityOptions);

export function writebackWithRecovery(journeyId: string) {
  /** Tells the read model and the operator what waits, or that nothing does (null). */
  const waiting = (failure: { step: WritebackStep; message: string } | null) =>
    recordWritebackWaiting({ journeyId, step: failure?.step ?? null, message: failure?.message ?? null });
  const recovery: WritebackRecovery = { failedStep: null, message: null, skipped: [] };
  let decision: 'retry' | 'skip' | null = null;

  setHandler(
    retryStepUpdate,
    () => {
      decision = 'retry';
      return recovery;
    },
    {
      validator: ({ step }) => {
        if (!recovery.failedStep) throw new Error('no write-back step is waiting to be retried');
        if (step !== undefined && step !== recovery.failedStep)
          throw new Error(`the step waiting is ${recovery.failedStep}, not ${String(step)}`);
      },
    },
  );
  setHandler(
    skipStepUpdate,
    ({ step }) => {
      decision = 'skip';
      recovery.skipped.push(step);
      return recovery;
    },
    {
      validator: ({ step, reason }) => {
        if (!recovery.failedStep) throw new Error('no write-back step is waiting to be skipped');
        if (step !== recovery.failedStep)
          throw new Error(`the step waiting is ${recovery.failedStep}, not ${String(step)}`);
        if (!isSealed(reason) && (typeof reason !== 'string' || !reason.trim()))
          throw new Error('reason is required');
      },
    },
  );

  return {
    recovery,
    async run(steps: { step: WritebackStep; run: () => Promise<unknown> }[]) {
      for (const { step, run } of steps) {
        for (;;) {
          try {
            // A refused credential waits for the tenant's reconnect, not for an operator.
            await withGreenhouseConnection(journeyId, run);
            break;
          } catch (err) {
            if (!(err instanceof ActivityFailure)) throw err;
            recovery.failedStep = step;
            recovery.message =
              err.cause instanceof ApplicationFailure
                ? err.cause.message
                : (err.cause?.message ?? err.message);
            decision = null;
            await waiting({ step, message: recovery.message });
            await condition(() => decision !== null);
            recovery.failedStep = null;
            recovery.message = null;
            await waiting(null);
            if (decision === 'skip') break;
          }
        }
      }
    },
  };
}
