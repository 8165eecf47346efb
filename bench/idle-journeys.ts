import { randomInt } from 'node:crypto';
import { configSchema } from '../config/config.js';
import { countEffects } from '../harness/journey-driver.js';
import { procStats, rssPeakSampler } from '../harness/proc-stats.js';
import { waitFor } from '../harness/processes.js';
import { HARNESS_ANSWERS, startProductStack, type ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { runBaseline } from './baseline/run-baseline.js';
import { inviteAndWait } from './bulk-invite-throughput.js';

/**
 * Issue 9, benchmark 4: N journeys invited (bulk CSV uploads) and waiting for their candidates.
 * Once every one is waiting, the worker's resident memory; then one random candidate submits and
 * the time until the result is in Greenhouse (note and report attachment) — a journey the worker
 * has most likely evicted from its cache long ago, so it is replayed from its history first.
 */

export interface IdleJourneysParams extends Record<string, number> {
  journeys: number;
  /** Bound on inviting them all. */
  inviteTimeoutSeconds: number;
  /** Bound on the one submission reaching Greenhouse. */
  submitTimeoutSeconds: number;
}

const MB = 1024 * 1024;
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/;

export const idleJourneys: Scenario<IdleJourneysParams> = {
  suite: 'bench',
  name: 'idle-journeys',
  description:
    'journeys invited and waiting for submission: worker memory, and how fast a submission to a random one lands in Greenhouse',
  defaults: { journeys: 10_000, inviteTimeoutSeconds: 3_600, submitTimeoutSeconds: 120 },
  smoke: { journeys: 20, inviteTimeoutSeconds: 120, submitTimeoutSeconds: 60 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const n = params.journeys;
    const notes: string[] = [];
    const stack = await startProductStack({
      candidates: n,
      ...sharedParts(ctx),
      log: ctx.log,
    });
    try {
      ctx.log(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; inviting ${n} candidates`);
      const candidates = stack.candidates.slice(0, n);
      if (candidates.length < n) throw new Error(`the sandbox has ${candidates.length} candidates, not ${n}`);
      // What a bare Temporal worker (one no-op workflow type, SDK defaults) takes on this machine.
      const bare = await runBaseline({
        temporalAddress: stack.temporal.address,
        workflows: Math.min(n, 100),
        timeoutMs: 120_000,
      });
      ctx.log(
        `bare worker RSS after ${bare.workflows} no-op workflows: ${(bare.workerRssBytes / MB).toFixed(0)} MB`,
      );
      const workerPid = () => stack.worker.pid;
      const peak = rssPeakSampler(workerPid, 500);
      const rssAtStart = (await procStats(mustPid(stack))).rssBytes;

      const invites = await inviteAndWait(stack, candidates, params.inviteTimeoutSeconds * 1000, ctx.log);
      if (invites.invited < n) {
        throw new Error(
          `timed out after ${params.inviteTimeoutSeconds} s: ${invites.invited} of ${n} candidates invited (bulk progress: ${JSON.stringify(invites.progress)})`,
        );
      }
      ctx.log(`all ${n} invited in ${invites.seconds.toFixed(1)} s; waiting for the read model to say sent`);
      // The invite is out before the journey records 'sent': wait for that last step of each.
      await waitFor(
        `${n} journeys recorded as sent`,
        async () => (await stack.db.journey.count({ where: { status: 'sent' } })) >= n,
        60_000 + n * 20,
      );
      // Idle now: let the last activities' garbage go before reading the memory.
      await new Promise((r) => setTimeout(r, 5_000));
      peak.stop();
      const idleRss = (await procStats(mustPid(stack))).rssBytes;
      ctx.log(
        `worker RSS idle: ${(idleRss / MB).toFixed(0)} MB (peak ${(peak.peakBytes / MB).toFixed(0)} MB)`,
      );

      // One random candidate opens the invite and submits.
      const candidate = candidates[randomInt(candidates.length)]!;
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
        signal: AbortSignal.timeout(params.submitTimeoutSeconds * 1000),
      });
      await res.arrayBuffer();
      const acceptedMs = Date.now() - t0;
      if (!res.ok) throw new Error(`the submission was refused: ${res.status}`);
      let completed = 0;
      const deadline = t0 + params.submitTimeoutSeconds * 1000;
      while (Date.now() < deadline) {
        completed = countEffects(stack, [candidate]).completed;
        if (completed) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const resultMs = Date.now() - t0;
      ctx.log(`submission accepted in ${acceptedMs} ms, result in Greenhouse after ${resultMs} ms`);
      const finalRss = (await procStats(mustPid(stack))).rssBytes;

      const figures: Figure[] = [
        { name: 'time to invite all', value: invites.seconds, unit: 's' },
        { name: 'journeys invited per second', value: n / invites.seconds, unit: '/s' },
        {
          name: 'worker RSS, all waiting',
          value: idleRss / MB,
          unit: 'MB',
          baseline: bare.workerRssBytes / MB,
          target: { op: '<=', value: 300 },
        },
        { name: 'worker RSS, peak while inviting', value: peak.peakBytes / MB, unit: 'MB' },
        { name: 'worker RSS, before the upload', value: rssAtStart / MB, unit: 'MB' },
        { name: 'submission accepted (HTTP)', value: acceptedMs, unit: 'ms' },
        { name: 'submission to result in Greenhouse', value: resultMs, unit: 'ms' },
        exactCount('lost', completed ? 0 : 1),
      ];
      notes.push(
        `${n} journeys invited by CSV upload; RSS read 5 s after the read model showed all ${n} waiting for submission`,
        `then one random candidate (${candidates.indexOf(candidate) + 1} of ${n}) submitted through the invite link; the result counts once its note and report attachment are in Greenhouse`,
        `worker RSS after that submission: ${(finalRss / MB).toFixed(0)} MB`,
        `baseline of the RSS: a bare worker process (bench/baseline/noop-worker.ts: SDK defaults, no database) after ${bare.workflows} no-op workflows, run on the same server before the upload`,
        `the worker keeps at most ${cacheSize()} journeys in memory between steps (WORKER_MAX_CACHED_WORKFLOWS); ${n > cacheSize() ? 'the others are replayed from their history when they wake, as the random one most likely was' : `all ${n} fit`}`,
        'both workers run through tsx (TypeScript compiled in memory), as the harness starts them; a built worker (node dist/…) carries less code in memory',
      );
      if (idleRss > 300 * MB) {
        notes.push(
          `RSS over 300 MB: ${(rssAtStart / MB).toFixed(0)} MB before the first journey (Node, tsx, Prisma, Temporal Core, the workflow context), ${(bare.workerRssBytes / MB).toFixed(0)} MB for the bare worker; each cached journey holds roughly 0.6 MB more (1,000 journeys, all cached under the SDK's heap-sized default of ~2,300: 988 MB; with a 200 cache: 531 MB), and the V8 heap keeps what the invite burst grew it to`,
        );
      }
      if (!completed) notes.push(`the result was not in Greenhouse after ${params.submitTimeoutSeconds} s`);
      return resultOf(idleJourneys, startedAt, params, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

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
