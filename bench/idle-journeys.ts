import { randomInt } from 'node:crypto';
import { configSchema } from '../config/config.js';
import { countEffects } from '../harness/journey-driver.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  idleRss,
  rssBreakdown,
  settledRss,
  scrapeGauges,
  threadHeaps,
  threadHeapSnapshot,
  threadProbeNodeArgs,
  type ThreadHeap,
} from '../harness/memory.js';
import { freePort } from '../temporal/free-port.js';
import { WORKER_NODE_OPTIONS } from '../workers/node-options.js';
import { procStats, rssPeakSampler, type ProcStats } from '../harness/proc-stats.js';
import { spawnProcess, waitFor } from '../harness/processes.js';
import {
  HARNESS_ANSWERS,
  startProductStack,
  type HarnessCandidate,
  type ProductStack,
} from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { runIdleBaseline } from './baseline/idle-baseline.js';
import { lanes } from './baseline/run-baseline.js';
import { inviteAndWait } from './bulk-invite-throughput.js';

/**
 * Issue 9, benchmark 4 (issue 17: the built worker, and the slope): N journeys invited (bulk CSV
 * uploads) and waiting for their candidates. The worker's resident memory at a fifth, half and all
 * of them waiting, once it has been left alone for `idleSeconds` (as settled too), against a bare
 * worker's with as many waiting bare workflows read the same way; each
 * thread's V8 heap (the SDK's workflow thread is its own isolate) as found and after a forced full
 * GC, and the RSS after it; with `--heapSnapshots=1`, a heap snapshot of each thread at each
 * (bench/heap-diff.ts). Then one random candidate submits and
 * the time until the result is in Greenhouse (note and report attachment) — a journey the worker
 * has most likely evicted from its cache long ago, so it is replayed from its history first.
 */

export interface IdleJourneysParams extends Record<string, number> {
  journeys: number;
  /** 1: measure the built worker (`npm run build` first, then `node dist/workers/main.js`); 0: through tsx. */
  builtWorker: number;
  /** With builtWorker: 1 runs `npm run build` first; 0 measures dist/ as it is. */
  build: number;
  /** MALLOC_ARENA_MAX for the worker process (glibc's thread arenas; 2 as production sets it); 0: unset. */
  mallocArenaMax: number;
  /**
   * 1: a V8 heap snapshot of the worker's main thread and of its workflow thread at each checkpoint
   * (bench/heap-diff.ts compares them). Diagnosis only: writing snapshots left ≈ 400 MB of
   * native memory behind (the snapshot's graph is built with malloc), so the RSS of later checkpoints
   * no longer compares.
   */
  heapSnapshots: number;
  /**
   * 1: preload harness/thread-heap-probe.mjs into the worker and read, at each checkpoint, the V8 heap
   * of every thread (the SDK's workflow thread is its own isolate) before and after a forced full GC.
   */
  threadHeap: number;
  /** Candidates who submit after the memory readings, to measure the CPU of a journey's second half. */
  submissions: number;
  /**
   * After the settled reading at each checkpoint, how long to go on reading the RSS (every 5 s) with
   * nothing to do: V8's memory reducer collects an idle isolate's garbage some seconds after it goes
   * quiet, which the settled reading may come too early to see. 0: not read.
   */
  idleSeconds: number;
  /** Bound on inviting them all. */
  inviteTimeoutSeconds: number;
  /** Bound on the one submission reaching Greenhouse. */
  submitTimeoutSeconds: number;
}

const MB = 1024 * 1024;
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/;
const GAUGES = [
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_external_memory_bytes',
  'temporal_sticky_cache_size',
] as const;

/** Where the RSS is read: a fifth, half, and all of the journeys waiting. */
export function checkpointsOf(n: number): number[] {
  return [...new Set([Math.round(n / 5), Math.round(n / 2), n])].filter((k) => k > 0);
}

interface Checkpoint {
  journeys: number;
  rssBytes: number;
  settled: boolean;
  gauges: Record<string, number | undefined>;
  /** With idleSeconds: the RSS read every 5 s after the settled reading, and the last of them. */
  idle?: Awaited<ReturnType<typeof idleRss>>;
  /** Anonymous memory in mappings of 32 MB or more (malloc arenas), in smaller ones, the brk heap, files. */
  rss: Awaited<ReturnType<typeof rssBreakdown>>;
  /** Each thread's V8 heap as found, then after a forced full GC (threadHeap=1). */
  threads?: { before: ThreadHeap[]; afterGc: ThreadHeap[]; rssAfterGcBytes: number };
  snapshots?: string[];
}

export const idleJourneys: Scenario<IdleJourneysParams> = {
  suite: 'bench',
  name: 'idle-journeys',
  description:
    'journeys invited and waiting for submission: worker memory at a fifth, half and all of them (the slope once the cache is full), and how fast a submission to a random one lands in Greenhouse',
  defaults: {
    journeys: 10_000,
    builtWorker: 1,
    build: 1,
    mallocArenaMax: 2,
    heapSnapshots: 0,
    threadHeap: 1,
    submissions: 100,
    idleSeconds: 120,
    inviteTimeoutSeconds: 3_600,
    submitTimeoutSeconds: 120,
  },
  smoke: {
    journeys: 20,
    builtWorker: 0,
    build: 0,
    mallocArenaMax: 2,
    heapSnapshots: 0,
    threadHeap: 1,
    submissions: 2,
    idleSeconds: 5,
    inviteTimeoutSeconds: 120,
    submitTimeoutSeconds: 60,
  },

  async run(params, ctx) {
    const startedAt = Date.now();
    const n = params.journeys;
    const built = params.builtWorker === 1;
    const cache = cacheSize();
    const notes: string[] = [];
    if (built && params.build) await buildProduct(ctx.log);
    const snapshotDir = params.heapSnapshots ? await mkdtemp(path.join(tmpdir(), 'greenroom-heap-')) : null;
    const probePort = params.threadHeap || params.heapSnapshots ? await freePort() : null;
    const stack = await startProductStack({
      candidates: n,
      ...sharedParts(ctx),
      builtWorker: built,
      workerEnv: {
        // Undefined leaves it out of the worker's environment (glibc's default: an arena per thread).
        MALLOC_ARENA_MAX: params.mallocArenaMax ? String(params.mallocArenaMax) : undefined,
        ...(probePort ? { GREENROOM_THREAD_PROBE_PORT: String(probePort) } : {}),
      },
      ...(probePort ? { workerNodeArgs: threadProbeNodeArgs() } : {}),
      log: ctx.log,
    });
    try {
      ctx.log(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; inviting ${n} candidates`);
      const candidates = stack.candidates.slice(0, n);
      if (candidates.length < n) throw new Error(`the sandbox has ${candidates.length} candidates, not ${n}`);
      const checkpoints = checkpointsOf(n);
      // A bare worker, built or not as ours is, with the same cache and as many waiting bare workflows.
      const bare = await runIdleBaseline({
        temporalAddress: stack.temporal.address,
        checkpoints,
        maxCachedWorkflows: cache,
        built,
        timeoutMs: params.inviteTimeoutSeconds * 1000,
        idleSeconds: params.idleSeconds,
        log: ctx.log,
      });
      const workerPid = () => stack.worker.pid;
      const peak = rssPeakSampler(workerPid, 500);
      const rssAtStart = (await settledRss(mustPid(stack))).rssBytes;
      // Each thread's live heap with no journey cached: what a cached journey adds is measured from it.
      const heapsAtStart = probePort ? await threadHeaps(probePort, true) : undefined;
      ctx.log(
        `worker RSS before the upload: ${(rssAtStart / MB).toFixed(0)} MB${heapsAtStart ? `; V8 heaps used after a full GC: ${heapsAtStart.map((t) => `${t.title} ${mb(t.usedBytes)} MB`).join(', ')}` : ''}`,
      );

      const points: Checkpoint[] = [];
      let inviteSeconds = 0;
      const inviteCpu = { before: await cpuReadings(stack), after: await cpuReadings(stack) };
      let invitedSoFar = 0;
      for (const target of checkpoints) {
        const batch = candidates.slice(invitedSoFar, target);
        const invites = await inviteAndWait(stack, batch, params.inviteTimeoutSeconds * 1000, ctx.log);
        if (invites.invited < batch.length) {
          throw new Error(
            `timed out after ${params.inviteTimeoutSeconds} s: ${invitedSoFar + invites.invited} of ${target} candidates invited (bulk progress: ${JSON.stringify(invites.progress)})`,
          );
        }
        inviteSeconds += invites.seconds;
        inviteCpu.after = await cpuReadings(stack);
        invitedSoFar = target;
        // The invite is out before the journey records 'sent': wait for that last step of each.
        await waitFor(
          `${target} journeys recorded as sent`,
          async () => (await stack.db.journey.count({ where: { status: 'sent' } })) >= target,
          60_000 + batch.length * 20,
        );
        points.push(await measure(stack, target, probePort, snapshotDir, params.idleSeconds));
        const p = points[points.length - 1]!;
        ctx.log(
          `${target} waiting: worker RSS ${(p.rssBytes / MB).toFixed(0)} MB${p.settled ? '' : ' (not settled)'} (anonymous ${mb(p.rss.anonLargeBytes)} MB in mappings ≥ 32 MB, ${mb(p.rss.anonSmallBytes)} MB in smaller ones, brk heap ${mb(p.rss.heapBytes)} MB, files ${mb(p.rss.fileBytes)} MB), heap used ${mb(p.gauges.nodejs_heap_size_used_bytes)} MB, external ${mb(p.gauges.nodejs_external_memory_bytes)} MB, sticky cache ${p.gauges.temporal_sticky_cache_size ?? '?'}${p.idle ? `; idle, every 5 s: ${p.idle.readingsMb.join(' ')} MB` : ''}${p.threads ? `; V8 heaps used (total) as found → after a full GC: ${p.threads.before.map((t, k) => `${t.title} ${mb(t.usedBytes)} (${mb(t.totalBytes)}) → ${mb(p.threads!.afterGc[k]?.usedBytes)} (${mb(p.threads!.afterGc[k]?.totalBytes)}) MB`).join(', ')}, RSS after those collections ${mb(p.threads.rssAfterGcBytes)} MB` : ''}${p.snapshots ? `; heap snapshots ${p.snapshots.join(' ')}` : ''}`,
        );
      }
      peak.stop();
      const last = points[points.length - 1]!;

      // One random candidate opens the invite and submits.
      const candidate = candidates[randomInt(candidates.length)]!;
      const one = await submitAndWait(stack, candidate, params.submitTimeoutSeconds * 1000);
      ctx.log(`submission accepted in ${one.acceptedMs} ms, result in Greenhouse after ${one.resultMs} ms`);
      const completed = one.completed;
      const { acceptedMs, resultMs } = one;

      // Then more of them, a few at a time: the CPU a journey costs from submission to write-back.
      const others = candidates.filter((c) => c !== candidate).slice(0, params.submissions);
      const before = await cpuReadings(stack);
      const t1 = Date.now();
      let notCompleted = 0;
      await lanes(others.length, 4, async (k) => {
        const r = await submitAndWait(stack, others[k]!, params.submitTimeoutSeconds * 1000);
        if (!r.completed) notCompleted++;
      });
      const completionSeconds = (Date.now() - t1) / 1000;
      const after = await cpuReadings(stack);
      ctx.log(
        `${others.length} more submissions completed in ${completionSeconds.toFixed(1)} s (${notCompleted} not)`,
      );
      const finalRss = (await procStats(mustPid(stack))).rssBytes;

      const bareAt = (k: number) => bare.points.find((b) => b.workflows === k)!.rssBytes;
      const bareSettledAt = (k: number) => bare.points.find((b) => b.workflows === k)!.settledBytes;
      // The headline reading: after idleSeconds left alone when asked (V8's memory reducer has run).
      const rssOf = (p: Checkpoint) => p.idle?.lastBytes ?? p.rssBytes;
      // The slope starts where the cache is full (the first checkpoint when none is).
      const first = points.find((p) => p.journeys >= cache && p !== last) ?? points[0]!;
      const span = (last.journeys - first.journeys) / 1000;
      const slope = span > 0 ? (rssOf(last) - rssOf(first)) / MB / span : 0;
      const bareSlope = span > 0 ? (bareAt(last.journeys) - bareAt(first.journeys)) / MB / span : 0;
      const figures: Figure[] = [
        { name: 'time to invite all', value: inviteSeconds, unit: 's' },
        { name: 'journeys invited per second', value: n / inviteSeconds, unit: '/s' },
        ...points.map((p): Figure => ({
          name: `worker RSS, ${p.journeys} waiting`,
          value: rssOf(p) / MB,
          unit: 'MB',
          baseline: bareAt(p.journeys) / MB,
          ...(p === last ? { target: { op: '<=' as const, value: 300 } } : {}),
        })),
        ...points
          .filter((p) => p.idle)
          .map((p): Figure => ({
            name: `worker RSS as first settled, ${p.journeys} waiting`,
            value: p.rssBytes / MB,
            unit: 'MB',
            baseline: bareSettledAt(p.journeys) / MB,
          })),
        {
          name: `worker RSS slope, ${first.journeys} to ${last.journeys} waiting`,
          value: slope,
          unit: 'MB per 1,000 journeys',
          baseline: bareSlope,
          // "≈ 0": under 2 MB per 1,000 journeys, i.e. under 20 MB more for 10,000 more waiting.
          target: { op: '<=', value: 2 },
        },
        ...points.map((p): Figure => ({
          name: `worker V8 heap used, ${p.journeys} waiting`,
          value: (p.gauges.nodejs_heap_size_used_bytes ?? NaN) / MB,
          unit: 'MB',
        })),
        ...points.flatMap((p): Figure[] =>
          p.threads
            ? p.threads.before
                .filter((t) => t.thread !== 'main')
                .flatMap((t) => {
                  const gc = p.threads!.afterGc.find((g) => g.thread === t.thread);
                  return [
                    {
                      name: `${t.title} V8 heap total, ${p.journeys} waiting`,
                      value: t.totalBytes / MB,
                      unit: 'MB',
                    },
                    {
                      name: `${t.title} V8 heap used, ${p.journeys} waiting`,
                      value: t.usedBytes / MB,
                      unit: 'MB',
                    },
                    {
                      name: `${t.title} V8 heap used after a full GC, ${p.journeys} waiting`,
                      value: (gc?.usedBytes ?? NaN) / MB,
                      unit: 'MB',
                    },
                  ];
                })
            : [],
        ),
        ...points
          .filter((p) => p.threads)
          .map((p): Figure => ({
            name: `worker RSS after a forced full GC of each thread, ${p.journeys} waiting`,
            value: p.threads!.rssAfterGcBytes / MB,
            unit: 'MB',
          })),
        ...points.map((p): Figure => ({
          name: `worker anonymous memory in mappings ≥ 32 MB (malloc arenas), ${p.journeys} waiting`,
          value: p.rss.anonLargeBytes / MB,
          unit: 'MB',
        })),
        { name: 'worker RSS, peak while inviting', value: peak.peakBytes / MB, unit: 'MB' },
        { name: 'worker RSS, before the upload', value: rssAtStart / MB, unit: 'MB' },
        ...(heapsAtStart ?? [])
          .filter((t) => t.thread !== 'main')
          .map((t): Figure => ({
            name: `${t.title} V8 heap used after a full GC, before the upload`,
            value: t.usedBytes / MB,
            unit: 'MB',
          })),
        { name: 'submission accepted (HTTP)', value: acceptedMs, unit: 'ms' },
        { name: 'submission to result in Greenhouse', value: resultMs, unit: 'ms' },
        exactCount('lost', (completed ? 0 : 1) + notCompleted),
        ...cpuFigures('invite', inviteCpu.before, inviteCpu.after, n),
        ...cpuFigures('submission to write-back', before, after, others.length),
      ];
      notes.push(
        `${built ? `the built worker (npm run build, then node ${WORKER_NODE_OPTIONS.join(' ')} dist/workers/main.js with dist/workflow-bundle.js, as docker-compose.yml runs it)` : 'the worker through tsx (TypeScript compiled in memory)'}; journeys invited by CSV uploads in steps to ${checkpoints.join(', ')}; at each, once the read model showed them all waiting for submission, the RSS read when it had settled (4 readings 2 s apart within 1 %)${params.idleSeconds > 0 ? `, then every 5 s for ${params.idleSeconds} s with nothing to do; the RSS figures are the last of those (an idle worker's: V8's memory reducer collects and shrinks each isolate's heap some seconds after it goes quiet, which the settled reading comes too early to see; the settled readings are the "as first settled" figures), the bare worker read the same way` : ''}; with threadHeap=1 each thread's heap and the RSS are also read after a forced full GC (the floor V8's heap settings can reach)`,
        `the slope is the RSS growth per 1,000 more waiting journeys from ${first.journeys} to ${last.journeys}, ${first.journeys >= cache ? 'all past' : 'not all past'} the ${cache}-journey cache (WORKER_MAX_CACHED_WORKFLOWS); ${n > cache ? 'the others are replayed from their history when they wake, as the random one most likely was' : `all ${n} fit`}`,
        `baseline: a bare worker process (bench/baseline/noop-worker.ts${built ? ', compiled to JavaScript' : ', through tsx'}, SDK defaults but the same ${cache}-workflow cache, no database) with as many waiting bare workflows (one no-op activity, then a 7-day wait for a signal), read the same way at the same checkpoints, on the same server before the upload`,
        `then one random candidate (${candidates.indexOf(candidate) + 1} of ${n}) submitted through the invite link; the result counts once its note and report attachment are in Greenhouse`,
        `worker RSS after that submission: ${(finalRss / MB).toFixed(0)} MB`,
        ...points
          .filter((p) => !p.settled)
          .map((p) => `the RSS at ${p.journeys} had not settled after 90 s: the last reading is shown`),
      );
      notes.push(
        `CPU per journey (user + system seconds from /proc): the invite figures over all ${n} uploads, from the first POST to the last journey recorded as sent (the RSS waits between checkpoints included: idle, they cost next to nothing); the submission figures over ${others.length} more candidates submitting 4 at a time, each until its note and report were in Greenhouse (${completionSeconds.toFixed(1)} s)`,
      );
      if (!completed) notes.push(`the result was not in Greenhouse after ${params.submitTimeoutSeconds} s`);
      return resultOf(idleJourneys, startedAt, params, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

/**
 * The worker's settled RSS and where it is, its heap figures from /metrics and, with the probe, each
 * thread's V8 heap (read after the RSS: the forced GC changes it), and heap snapshots when asked.
 */
async function measure(
  stack: ProductStack,
  journeys: number,
  probePort: number | null,
  snapshotDir: string | null,
  idleSeconds: number,
): Promise<Checkpoint> {
  const pid = mustPid(stack);
  const { rssBytes, settled } = await settledRss(pid);
  const idle = idleSeconds > 0 ? await idleRss(pid, idleSeconds) : undefined;
  const rss = await rssBreakdown(pid);
  const gauges = await scrapeGauges(`${stack.worker.healthUrl}/metrics`, stack.operatorKey, GAUGES).catch(
    () => ({}) as Record<string, number | undefined>,
  );
  // The RSS once every thread has collected its garbage: the floor V8's heap settings can reach.
  const threads = probePort
    ? {
        before: await threadHeaps(probePort, false),
        afterGc: await threadHeaps(probePort, true),
        rssAfterGcBytes: (await settledRss(pid, { intervalMs: 1_000, stableSamples: 2, maxMs: 20_000 }))
          .rssBytes,
      }
    : undefined;
  const snapshots: string[] = [];
  if (snapshotDir && probePort && threads) {
    for (const t of threads.before) {
      const file = path.join(
        snapshotDir,
        `${journeys}-${t.thread === 'main' ? 'main' : `thread-${t.thread}`}.heapsnapshot`,
      );
      snapshots.push(await threadHeapSnapshot(probePort, t.thread, file));
    }
  }
  return {
    journeys,
    rssBytes,
    settled,
    rss,
    gauges,
    ...(idle ? { idle } : {}),
    ...(threads ? { threads } : {}),
    ...(snapshots.length ? { snapshots } : {}),
  };
}

/** One candidate submits through the invite link; then until the result is in Greenhouse. */
async function submitAndWait(stack: ProductStack, candidate: HarnessCandidate, timeoutMs: number) {
  const message = stack.smtp.messages.find(
    (m) =>
      m.envelope.to[0]?.toLowerCase() === candidate.email.toLowerCase() &&
      !!m.idempotencyKey?.endsWith(':invite:1'),
  );
  const text = message?.parts.find((p) => p.contentType === 'text/plain')?.body ?? '';
  const link = LINK.exec(text)?.[1];
  if (!link) throw new Error(`no invite link in the mail to ${candidate.email}`);
  const t0 = Date.now();
  const res = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(HARNESS_ANSWERS),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer();
  const acceptedMs = Date.now() - t0;
  if (!res.ok) throw new Error(`the submission was refused: ${res.status}`);
  let completed = 0;
  while (Date.now() < t0 + timeoutMs) {
    completed = countEffects(stack, [candidate]).completed;
    if (completed) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { acceptedMs, resultMs: Date.now() - t0, completed };
}

type CpuReadings = Awaited<ReturnType<typeof cpuReadings>>;

async function cpuReadings(stack: ProductStack) {
  const apiPid = stack.api.process?.child.pid;
  const serverPid = stack.temporal.pid;
  const [worker, api, server] = await Promise.all([
    procStats(mustPid(stack)),
    apiPid ? procStats(apiPid) : undefined,
    serverPid ? procStats(serverPid) : undefined,
  ]);
  return { worker, api, server };
}

/** CPU milliseconds per journey of the worker, the API and (when it is ours) the Temporal server. */
function cpuFigures(phase: string, before: CpuReadings, after: CpuReadings, journeys: number): Figure[] {
  const per = (a?: ProcStats, b?: ProcStats) =>
    a && b && journeys ? ((b.cpuSeconds - a.cpuSeconds) * 1000) / journeys : NaN;
  return [
    { name: `worker CPU per journey, ${phase}`, value: per(before.worker, after.worker), unit: 'ms' },
    { name: `API CPU per journey, ${phase}`, value: per(before.api, after.api), unit: 'ms' },
    ...(before.server
      ? [
          {
            name: `Temporal server CPU per journey, ${phase}`,
            value: per(before.server, after.server),
            unit: 'ms',
          },
        ]
      : []),
  ];
}

/** `npm run build`: the built worker measured is the code of this tree. */
async function buildProduct(log: (line: string) => void) {
  const t0 = Date.now();
  const build = spawnProcess('npm', ['run', '--silent', 'build'], process.env);
  const code = await build.exited;
  if (code !== 0) throw new Error(`npm run build failed (${code}):\n${build.output()}`);
  log(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '?' : (bytes / MB).toFixed(0);
}

/** The worker's cache size: the product default unless this process's environment sets it. */
function cacheSize(): number {
  return configSchema.shape.WORKER_MAX_CACHED_WORKFLOWS.parse(
    process.env.WORKER_MAX_CACHED_WORKFLOWS?.trim() || undefined,
  );
}

function mustPid(stack: ProductStack): number {
  const pid = stack.worker.pid;
  if (!pid) throw new Error('the worker is not running');
  return pid;
}
