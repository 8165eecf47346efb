import {
  countEffects,
  startSubmitting,
  uploadAndAwaitSubmissions,
  waitForResults,
} from '../harness/journey-driver.js';
import { waitFor } from '../harness/processes.js';
import { startProductStack, type HarnessCandidate, type ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario } from '../harness/scenario.js';

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

/** A number that grows with any journey progress: e-mails sent, answers taken, notes written. */
export function progressMark(stack: ProductStack, candidates: HarnessCandidate[], submitted: number): number {
  const ghOrg = stack.sb.state.org(stack.org.org.id)!;
  let notes = 0;
  for (const c of candidates) notes += ghOrg.candidates.get(c.candidateId)!.notes.length;
  return stack.smtp.messages.length + submitted + notes;
}

/** Resolves with the time of the first progress after now (polled every 50 ms), or null on timeout. */
export function firstProgressAfter(
  stack: ProductStack,
  candidates: HarnessCandidate[],
  submitted: () => number,
  timeoutMs: number,
): Promise<number | null> {
  const base = progressMark(stack, candidates, submitted());
  return waitFor(
    'journey progress',
    async () => (progressMark(stack, candidates, submitted()) > base ? Date.now() : null),
    timeoutMs,
  ).catch(() => null);
}

/**
 * Where the journeys that did not complete stopped (a note for the result): their status in our
 * database, whether the candidate got an invite and whether their answers were taken.
 */
export async function whereLostJourneysStopped(
  stack: ProductStack,
  candidates: HarnessCandidate[],
  submittedAt: Map<string, number>,
): Promise<string | null> {
  const ghOrg = stack.sb.state.org(stack.org.org.id)!;
  const lost = candidates.filter((c) => {
    const notes = ghOrg.candidates.get(c.candidateId)!.notes.length;
    const attachments = ghOrg.applications
      .get(c.applicationId)!
      .attachments.filter((a) => a.filename.startsWith('assessment-report-')).length;
    return !(notes >= 1 && attachments >= 1);
  });
  if (!lost.length) return null;
  const invited = new Set(
    stack.smtp.messages.flatMap((m) =>
      m.idempotencyKey && /:invite:\d+$/.test(m.idempotencyKey)
        ? [m.envelope.to[0]?.toLowerCase() ?? '']
        : [],
    ),
  );
  const journeys = await stack.db.journey
    .findMany({
      where: {
        tenantId: stack.tenantId,
        greenhouseApplicationId: { in: lost.map((c) => String(c.applicationId)) },
      },
      select: { greenhouseApplicationId: true, status: true, statusDetail: true },
    })
    .catch(() => []);
  const byState = new Map<string, number>();
  for (const c of lost) {
    const j = journeys.find((x) => x.greenhouseApplicationId === String(c.applicationId));
    const key = `${j ? `status ${j.status}${j.statusDetail ? ` (${j.statusDetail})` : ''}` : 'no journey'}, ${
      invited.has(c.email.toLowerCase()) ? 'invited' : 'no invite'
    }, ${submittedAt.has(c.email.toLowerCase()) ? 'submitted' : 'not submitted'}`;
    byState.set(key, (byState.get(key) ?? 0) + 1);
  }
  return `not completed: ${[...byState].map(([k, n]) => `${n}× ${k}`).join('; ')}`;
}

/** The figures both restart scenarios report about the journeys themselves. */
export function journeyFigures(counts: ReturnType<typeof countEffects>): Figure[] {
  return [
    exactCount('journeys completed', counts.completed, counts.journeys),
    exactCount('journeys lost', counts.lost),
    exactCount('duplicate invites', counts.duplicateInvites),
    exactCount('duplicate e-mail deliveries', counts.duplicateDeliveries),
    exactCount('duplicate notes', counts.duplicateNotes),
    exactCount('duplicate attachments', counts.duplicateAttachments),
  ];
}

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
      const progressAt = await firstProgressAfter(
        stack,
        candidates,
        () => submitter.submittedAt.size,
        params.timeoutSeconds * 1000,
      );
      log(progressAt ? `first progress ${((progressAt - upAt) / 1000).toFixed(1)} s after` : 'no progress');

      const counts = await waitForResults(stack, candidates, {
        timeoutMs: params.timeoutSeconds * 1000,
        onProgress: (c) =>
          log(`${c.completed}/${c.journeys} complete, ${submitter.submittedAt.size} submitted`),
      });
      const runSeconds = (Date.now() - runStart) / 1000;
      const apiExit = stack.api.process?.child.exitCode ?? stack.api.process?.child.signalCode ?? null;
      const workerExit =
        stack.worker.process?.child.exitCode ?? stack.worker.process?.child.signalCode ?? null;
      const lostNote = await whereLostJourneysStopped(stack, candidates, submitter.submittedAt);
      return resultOf(
        temporalRestart,
        startedAt,
        params,
        [
          ...journeyFigures(counts),
          exactCount('API or worker exits', (apiExit === null ? 0 : 1) + (workerExit === null ? 0 : 1)),
          { name: 'downtime', value: (upAt - killedAt) / 1000, unit: 's' },
          {
            name: 'time to recover',
            value: progressAt === null ? NaN : (progressAt - upAt) / 1000,
            unit: 's',
            target: { op: '<=', value: 60 },
          },
          { name: 'completed before the kill', value: before.completed, unit: 'journeys' },
          { name: 'submissions retried', value: submitter.retries, unit: 'requests' },
          { name: 'run time', value: runSeconds, unit: 's' },
        ],
        [
          'time to recover: from the server answering again to the first new e-mail, accepted submission or note',
          ...(lostNote ? [lostNote] : []),
          ...(submitter.refused.length
            ? [
                `${submitter.refused.length} submissions refused (4xx): ${JSON.stringify(submitter.refused.slice(0, 3))}`,
              ]
            : []),
        ],
      );
    } finally {
      submitter.stop();
      await stack.close();
    }
  },
};
