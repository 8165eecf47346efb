import { availableParallelism, loadavg } from 'node:os';
import { CSV_LIMITS } from '../domain/invites/csv.js';
import { inviteInBulk, bulkProgress } from '../harness/journey-driver.js';
import { cpuShare, procStats, type ProcStats } from '../harness/proc-stats.js';
import { startProductStack, type HarnessCandidate, type ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { runBaseline } from './baseline/run-baseline.js';

/**
 * Issue 9, benchmark 1: N journeys started through the operator API (one CSV upload) and invited
 * (the invite accepted by the SMTP server), against a baseline on the same Temporal server in the
 * same run: N bare workflows with one no-op activity each, on their own worker process, started by
 * one client with 16 start calls in flight (bench/baseline/run-baseline.ts). The baseline runs
 * first, then the upload; each is timed from its first start (the CSV POST) to its N-th completion
 * (the N-th distinct candidate's first invite received by SMTP).
 */

export interface BulkInviteParams extends Record<string, number> {
  journeys: number;
  /** Bound on each of the two runs (baseline, journeys). */
  timeoutSeconds: number;
}

const MB = 1024 * 1024;
const INVITE = /:invite:\d+$/;
const FIRST_INVITE = /:invite:1$/;

export const bulkInviteThroughput: Scenario<BulkInviteParams> = {
  suite: 'bench',
  name: 'bulk-invite-throughput',
  description:
    'journeys started by a bulk CSV upload and invited (SMTP accepted), versus bare one-activity workflows on the same Temporal server',
  defaults: { journeys: 1_000, timeoutSeconds: 1_200 },
  smoke: { journeys: 20, timeoutSeconds: 120 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const n = params.journeys;
    const timeoutMs = params.timeoutSeconds * 1000;
    const notes: string[] = [];
    const stack = await startProductStack({
      candidates: n,
      ...sharedParts(ctx),
      log: ctx.log,
    });
    try {
      const serverPid = stack.temporal.pid;
      ctx.log(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; baseline: ${n} bare workflows`);
      const baseline = await runBaseline({
        temporalAddress: stack.temporal.address,
        workflows: n,
        temporalPid: serverPid,
        timeoutMs,
        log: ctx.log,
      });
      ctx.log(
        `baseline: ${baseline.workflowsPerSecond.toFixed(1)} workflows/s (${baseline.seconds.toFixed(1)} s)`,
      );

      const candidates = stack.candidates.slice(0, n);
      if (candidates.length < n) throw new Error(`the sandbox has ${candidates.length} candidates, not ${n}`);
      const journeys = await inviteAndWait(stack, candidates, timeoutMs, ctx.log);
      ctx.log(`journeys: ${journeys.invited} of ${n} invited in ${journeys.seconds.toFixed(1)} s`);
      // Invites about to go out twice would land now: look again a little later.
      await new Promise((r) => setTimeout(r, 2_000));
      const duplicates = duplicateInvites(stack, candidates);

      const journeysPerSecond = journeys.invited / journeys.seconds;
      const figures: Figure[] = [
        {
          name: 'journeys per second',
          value: journeysPerSecond,
          unit: '/s',
          baseline: baseline.workflowsPerSecond,
          target: { op: '>=', value: 0.5, on: 'ratio' },
        },
        { name: 'time to invite all', value: journeys.seconds, unit: 's', baseline: baseline.seconds },
        {
          name: 'worker CPU',
          value: cpuShare(journeys.before.worker, journeys.after.worker, journeys.seconds),
          unit: 'cores',
          baseline: baseline.workerCores,
        },
        {
          name: 'worker CPU per journey',
          value: cpuMs(journeys.before.worker, journeys.after.worker, n),
          unit: 'ms',
          baseline: (baseline.workerCpuSeconds * 1000) / n,
        },
        {
          name: 'worker RSS at the end',
          value: journeys.after.worker.rssBytes / MB,
          unit: 'MB',
          baseline: baseline.workerRssBytes / MB,
        },
        {
          name: 'API CPU',
          value: cpuShare(journeys.before.api, journeys.after.api, journeys.seconds),
          unit: 'cores',
        },
      ];
      if (journeys.before.server && journeys.after.server) {
        figures.push({
          name: 'Temporal server CPU',
          value: cpuShare(journeys.before.server, journeys.after.server, journeys.seconds),
          unit: 'cores',
          ...(baseline.serverCores !== undefined ? { baseline: baseline.serverCores } : {}),
        });
        figures.push({
          name: 'Temporal server CPU per journey',
          value: cpuMs(journeys.before.server, journeys.after.server, n),
          unit: 'ms',
          ...(baseline.serverCpuSeconds !== undefined
            ? { baseline: (baseline.serverCpuSeconds * 1000) / n }
            : {}),
        });
      } else {
        notes.push('Temporal server CPU not measured: the server is shared (not started by this run).');
      }
      figures.push(
        exactCount('duplicate invites', duplicates),
        exactCount('journeys not invited', n - journeys.invited),
      );
      notes.push(
        `baseline: ${n} bare workflows (one no-op activity) on their own worker process, started by one client with 16 start calls in flight, timed from the first start to the last completion; run before the upload on the same Temporal server`,
        `journeys: one CSV upload (${n} rows), timed from the POST to the ${n}th candidate's first invite accepted by SMTP; each journey (start path 2) runs its Greenhouse application search, its invite and its read-model snapshot as local activities in 1 workflow task (an activity only when a local attempt fails), with 1 search-attribute update and no patch marker (the bare workflow: 1 activity, 2 workflow tasks); the upload's own workflow records and starts them 50 rows per activity (per batch: one read of the rows' ids, one insert transaction, one person-index write, 12 starts in flight)`,
        'CPU figures are cores used on average over each run (user + system time / wall time); baseline CPU is the bare worker during the baseline run',
      );
      const ratio = journeysPerSecond / baseline.workflowsPerSecond;
      if (ratio < 0.5) {
        const journeyCpu = figures.filter((f) => f.unit === 'ms').reduce((t, f) => t + f.value, 0);
        const baselineCpu = figures.filter((f) => f.unit === 'ms').reduce((t, f) => t + (f.baseline ?? 0), 0);
        notes.push(
          `ratio ${ratio.toFixed(2)} < 0.5: a journey up to its invite costs ${journeyCpu.toFixed(0)} ms of worker + server CPU against ${baselineCpu.toFixed(0)} ms for the bare workflow (${(journeyCpu / baselineCpu).toFixed(1)}×, before PostgreSQL and the Greenhouse sandbox); when the machine's cores are the bottleneck, the throughput ratio tends to the inverse of that (${(baselineCpu / journeyCpu).toFixed(2)}), and the two runs, one after the other, see different load. ` +
            'The cost is the journey itself, mostly the worker’s database statements (bench/profile-start-path.ts counts them): about 17 per journey (the application search: the journey, candidate and connection reads, the shared Harvest rate budget, the application’s record, a timeline row; the invite: the e-mail ledger, the journey and candidate reads, the access link, a timeline row; the snapshot), against none for the bare workflow.',
        );
      }
      notes.push(
        `load average at the end: ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${availableParallelism()} cores (other processes share the machine)`,
      );
      if (journeys.invited < n) {
        notes.push(
          `timed out after ${params.timeoutSeconds} s with ${n - journeys.invited} journeys not invited (bulk progress: ${JSON.stringify(journeys.progress)})`,
        );
      }
      return resultOf(bulkInviteThroughput, startedAt, params, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

/** CPU milliseconds per journey between two readings. */
function cpuMs(before: ProcStats, after: ProcStats, n: number): number {
  return ((after.cpuSeconds - before.cpuSeconds) * 1000) / n;
}

interface Readings {
  worker: ProcStats;
  api: ProcStats;
  server: ProcStats | undefined;
}

async function readings(stack: ProductStack): Promise<Readings> {
  const workerPid = stack.worker.pid;
  const apiPid = stack.api.process?.child.pid;
  if (!workerPid || !apiPid) throw new Error('the worker or the API is not running');
  const serverPid = stack.temporal.pid;
  const [worker, api, server] = await Promise.all([
    procStats(workerPid),
    procStats(apiPid),
    serverPid ? procStats(serverPid) : Promise.resolve(undefined),
  ]);
  return { worker, api, server };
}

/**
 * Uploads the candidates as CSV files (one unless there are more rows than an upload takes) and
 * waits (at most `timeoutMs`) until every candidate's first invite was accepted by the SMTP server.
 * A timeout is not thrown: the journeys not invited are the caller's count.
 */
export async function inviteAndWait(
  stack: ProductStack,
  candidates: HarnessCandidate[],
  timeoutMs: number,
  log: (line: string) => void,
) {
  const expected = new Set(candidates.map((c) => c.email.toLowerCase()));
  const invited = new Set<string>();
  let scanned = 0;
  const scan = () => {
    const messages = stack.smtp.messages;
    for (; scanned < messages.length; scanned++) {
      const m = messages[scanned]!;
      if (!m.idempotencyKey || !FIRST_INVITE.test(m.idempotencyKey)) continue;
      const to = m.envelope.to[0]?.toLowerCase();
      if (to && expected.has(to)) invited.add(to);
    }
  };
  const before = await readings(stack);
  const t0 = Date.now();
  const bulkIds: string[] = [];
  for (let from = 0; from < candidates.length; from += CSV_LIMITS.maxRows) {
    bulkIds.push(await inviteInBulk(stack, candidates.slice(from, from + CSV_LIMITS.maxRows)));
  }
  const progressOf = () => Promise.all(bulkIds.map((id) => bulkProgress(stack, id)));
  const deadline = t0 + timeoutMs;
  let lastLog = t0;
  while (Date.now() < deadline) {
    scan();
    if (invited.size >= expected.size) break;
    if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      const started = (await progressOf()).reduce((k, p) => k + p.started, 0);
      log(
        `${((Date.now() - t0) / 1000).toFixed(0)} s: ${invited.size} of ${expected.size} invited (${started} journeys started)`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  scan();
  const seconds = (Date.now() - t0) / 1000;
  const after = await readings(stack);
  const progress = await progressOf();
  return { bulkIds, invited: invited.size, seconds, before, after, progress };
}

/** Candidates with more than one invite message (a second invite, or the same one delivered twice). */
export function duplicateInvites(stack: ProductStack, candidates: HarnessCandidate[]): number {
  const ours = new Set(candidates.map((c) => c.email.toLowerCase()));
  const perRecipient = new Map<string, number>();
  for (const m of stack.smtp.messages) {
    if (!m.idempotencyKey || !INVITE.test(m.idempotencyKey)) continue;
    const to = m.envelope.to[0]?.toLowerCase() ?? '';
    if (ours.has(to)) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  }
  return [...perRecipient.values()].filter((k) => k > 1).length;
}
