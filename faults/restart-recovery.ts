import { waitForResults, type JourneyCounts, type Submitter } from '../harness/journey-driver.js';
import { waitFor } from '../harness/processes.js';
import type { HarnessCandidate, ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount } from '../harness/scenario.js';

/** What a restart scenario reports about its recovery, in pieces it places around its own figures. */
export interface Recovery {
  /** Completed, lost and duplicate effects, each an exact count: first in the result. */
  journeyFigures: Figure[];
  /** Exits of our API and worker processes during the run: there must be none. */
  exitsFigure: Figure;
  /** Downtime, time to recover, completed before the fault, retries and run time: last in the result. */
  timingFigures: Figure[];
  /** Where the journeys that did not complete stopped, and refused submissions: after the scenario's own. */
  notes: string[];
}

/**
 * What the restart scenarios (temporal-restart, database-restart) do once the dependency they took
 * down answers again, in one place so both judge recovery alike: wait for the first progress and for
 * every result, then report the journeys, our processes' exits, the timings and where lost journeys
 * stopped.
 */
export async function awaitRecovery(
  stack: ProductStack,
  candidates: HarnessCandidate[],
  submitter: Submitter,
  options: {
    /** What was done to the dependency, as in "completed before the kill". */
    fault: string;
    /** The upload, from which the run time counts. */
    runStart: number;
    /** When taking the dependency down began, and when it answered again: the downtime between. */
    faultAt: number;
    upAt: number;
    completedBefore: number;
    timeoutMs: number;
    log: (line: string) => void;
  },
): Promise<Recovery> {
  const { log, upAt } = options;
  const progressAt = await firstProgressAfter(
    stack,
    candidates,
    () => submitter.submittedAt.size,
    options.timeoutMs,
  );
  log(progressAt ? `first progress ${((progressAt - upAt) / 1000).toFixed(1)} s after` : 'no progress');
  const counts = await waitForResults(stack, candidates, {
    timeoutMs: options.timeoutMs,
    onProgress: (c) => log(`${c.completed}/${c.journeys} complete, ${submitter.submittedAt.size} submitted`),
  });
  const runSeconds = (Date.now() - options.runStart) / 1000;
  const apiExit = stack.api.process?.child.exitCode ?? stack.api.process?.child.signalCode ?? null;
  const workerExit = stack.worker.process?.child.exitCode ?? stack.worker.process?.child.signalCode ?? null;
  const exits = (apiExit === null ? 0 : 1) + (workerExit === null ? 0 : 1);
  const lostNote = await whereLostJourneysStopped(stack, candidates, submitter.submittedAt);
  return {
    journeyFigures: journeyFigures(counts),
    exitsFigure: exactCount('API or worker exits', exits),
    timingFigures: [
      { name: 'downtime', value: (upAt - options.faultAt) / 1000, unit: 's' },
      {
        name: 'time to recover',
        value: progressAt === null ? NaN : (progressAt - upAt) / 1000,
        unit: 's',
        target: { op: '<=', value: 60 },
      },
      { name: `completed before the ${options.fault}`, value: options.completedBefore, unit: 'journeys' },
      { name: 'submissions retried', value: submitter.retries, unit: 'requests' },
      { name: 'run time', value: runSeconds, unit: 's' },
    ],
    notes: [
      ...(lostNote ? [lostNote] : []),
      ...(submitter.refused.length
        ? [
            `${submitter.refused.length} submissions refused (4xx): ${JSON.stringify(submitter.refused.slice(0, 3))}`,
          ]
        : []),
    ],
  };
}

/** A number that grows with any journey progress: e-mails sent, answers taken, notes written. */
function progressMark(stack: ProductStack, candidates: HarnessCandidate[], submitted: number): number {
  const ghOrg = stack.sb.state.org(stack.org.org.id)!;
  let notes = 0;
  for (const c of candidates) notes += ghOrg.candidates.get(c.candidateId)!.notes.length;
  return stack.smtp.messages.length + submitted + notes;
}

/** Resolves with the time of the first progress after now (polled every 50 ms), or null on timeout. */
function firstProgressAfter(
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
async function whereLostJourneysStopped(
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

/** The journeys' own figures: every one completed, none lost, no effect twice. */
function journeyFigures(counts: JourneyCounts): Figure[] {
  return [
    exactCount('journeys completed', counts.completed, counts.journeys),
    exactCount('journeys lost', counts.lost),
    exactCount('duplicate invites', counts.duplicateInvites),
    exactCount('duplicate e-mail deliveries', counts.duplicateDeliveries),
    exactCount('duplicate notes', counts.duplicateNotes),
    exactCount('duplicate attachments', counts.duplicateAttachments),
  ];
}
