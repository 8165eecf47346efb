import { countEffects, startSubmitting, uploadAndAwaitSubmissions } from '../harness/journey-driver.js';
import { startProductStack } from '../harness/product-stack.js';
import { resultOf, type Scenario } from '../harness/scenario.js';
import { awaitRecovery } from './restart-recovery.js';

/**
 * Fault 3 of issue 9: the Temporal server dies (SIGKILL) in the middle of a run — while invites go
 * out and candidates submit — and comes back a few seconds later on the same port and SQLite file.
 * Our API and worker are not restarted: they must reconnect by themselves, and every journey must
 * complete exactly once (no lost journeys, no second invite, note or report).
 */
type Params = {
  /** Journeys (bulk CSV invites, each candidate submits once). */
  journeys: number;
  /** The server is killed once this share of the journeys has been submitted. */
  restartAtPercent: number;
  /** How long the server stays down before it is started again. */
  downSeconds: number;
  /** How long to wait for every result in Greenhouse after the restart. */
  timeoutSeconds: number;
};

export const temporalRestart: Scenario<Params> = {
  suite: 'faults',
  name: 'temporal-restart',
  description:
    'the Temporal server (dev server on a SQLite file) is killed mid-run and started again: API and worker reconnect, every journey completes once',
  defaults: { journeys: 300, restartAtPercent: 30, downSeconds: 5, timeoutSeconds: 600 },
  smoke: { journeys: 20, restartAtPercent: 30, downSeconds: 2, timeoutSeconds: 300 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const log = ctx.log;
    // Our own server on a file (ctx.temporalAddress is shared: it must not be killed).
    const stack = await startProductStack({
      candidates: params.journeys,
      persistTemporal: true,
      ...(ctx.workflowBundlePath ? { workflowBundlePath: ctx.workflowBundlePath } : {}),
      log,
    });
    const submitter = startSubmitting(stack);
    try {
      const { candidates, uploadedAt: runStart } = await uploadAndAwaitSubmissions(stack, submitter, {
        journeys: params.journeys,
        percent: params.restartAtPercent,
        timeoutMs: params.timeoutSeconds * 1000,
        before: 'the restart',
        log,
      });
      const before = countEffects(stack, candidates);
      const invitesBefore = stack.smtp.messages.length;
      log(
        `killing Temporal: ${submitter.submittedAt.size} submitted, ${before.completed} complete, ${invitesBefore} e-mails`,
      );
      const killedAt = Date.now();
      await stack.temporal.restart(params.downSeconds * 1000);
      const upAt = Date.now();
      log(`Temporal up again after ${((upAt - killedAt) / 1000).toFixed(1)} s`);
      const recovery = await awaitRecovery(stack, candidates, submitter, {
        fault: 'kill',
        runStart,
        faultAt: killedAt,
        upAt,
        completedBefore: before.completed,
        timeoutMs: params.timeoutSeconds * 1000,
        log,
      });
      return resultOf(
        temporalRestart,
        startedAt,
        params,
        [...recovery.journeyFigures, recovery.exitsFigure, ...recovery.timingFigures],
        [
          'time to recover: from the server answering again to the first new e-mail, accepted submission or note',
          ...recovery.notes,
        ],
      );
    } finally {
      submitter.stop();
      await stack.close();
    }
  },
};
