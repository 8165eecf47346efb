import { countEffects, inviteInBulk, startSubmitting, waitForResults } from '../harness/journey-driver.js';
import { startProductStack, type ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { prng } from '../greenhouse-sandbox/seed.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';

/**
 * Issue 9, fault 1: journeys in flight while the worker process is killed with SIGKILL again and
 * again at random moments (seeded), and started again each time. Every journey must complete with
 * each effect exactly once: one invite e-mail, one result note, one report attachment.
 *
 * The kill moments are spread over the whole run: the run's progress is
 * (journeys started + invites received + answers submitted + results in Greenhouse) / (4 × journeys),
 * and kill i lands, after a random delay of up to 1.5 s, once progress passes a random point in the
 * i-th of `kills` equal slices of [2 %, 96 %]. So kills hit the bulk-invite batches, the invite
 * mails, the submissions and the write-back, wherever the work happens to be.
 */

type Params = {
  journeys: number;
  kills: number;
  /** PRNG seed for the kill moments and the downtime after each kill. */
  seed: number;
  /** Upper bound for the whole run after the upload (kills and the wait for results). */
  timeoutS: number;
};

export const workerKills: Scenario<Params> = {
  suite: 'faults',
  name: 'worker-kills',
  description: 'journeys in flight while the worker is killed (SIGKILL) at random moments and restarted',
  defaults: { journeys: 1000, kills: 10, seed: 9, timeoutS: 1800 },
  smoke: { journeys: 24, kills: 2, seed: 1, timeoutS: 150 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const { journeys, kills, seed } = params;
    const random = prng(seed);
    ctx.log(`worker-kills: ${journeys} journeys, ${kills} kills, seed ${seed}`);

    const stack = await startProductStack({
      candidates: journeys,
      log: ctx.log,
      ...sharedParts(ctx),
    });
    try {
      const candidates = stack.candidates.slice(0, journeys);
      const submitter = startSubmitting(stack);
      const t0 = Date.now();
      const deadline = t0 + params.timeoutS * 1000;
      const since = () => ((Date.now() - t0) / 1000).toFixed(1);
      await inviteInBulk(stack, candidates);

      const progress = async () => {
        const started = await stack.db.journey.count().catch(() => 0);
        const invited = new Set(
          stack.smtp.messages.flatMap((m) =>
            m.idempotencyKey && /:invite:\d+$/.test(m.idempotencyKey) ? [m.idempotencyKey] : [],
          ),
        ).size;
        const submitted = submitter.submittedAt.size;
        const completed = countEffects(stack, candidates).completed;
        return {
          started,
          invited,
          submitted,
          completed,
          fraction: (started + invited + submitted + completed) / (4 * journeys),
        };
      };

      // Where each kill lands: a random point in its slice of the run, then a random delay.
      const thresholds = Array.from({ length: kills }, (_, i) => 0.02 + (0.94 * (i + random())) / kills);
      const killLog: { at: number; line: string; downS: number }[] = [];
      let lastKillAt = t0;
      const crashWindow = new Map<string, number>();
      const restartFailures: string[] = [];
      for (const [i, threshold] of thresholds.entries()) {
        let p = await progress();
        while (p.fraction < threshold && Date.now() < deadline) {
          await sleep(200);
          p = await progress();
        }
        if (Date.now() >= deadline) {
          ctx.log(`kill ${i + 1}: progress stalled at ${(p.fraction * 100).toFixed(1)} %, no more kills`);
          break;
        }
        await sleep(Math.floor(random() * 1500));
        p = await progress();
        const pid = stack.worker.pid;
        await stack.worker.kill();
        lastKillAt = Date.now();
        // Mails SMTP has accepted whose ledger row still says 'sending': their retry resends them.
        const delivered = new Set(stack.smtp.messages.map((m) => m.idempotencyKey));
        const inWindow = (
          await stack.db.emailDelivery.findMany({
            where: { status: 'sending' },
            select: { idempotencyKey: true },
          })
        )
          .map((r) => r.idempotencyKey)
          .filter((k) => delivered.has(k));
        for (const k of inWindow) crashWindow.set(k, i + 1);
        const downMs = Math.floor(random() * 2000);
        await sleep(downMs);
        await restart(stack, (err) => {
          const first = err.message.split('\n').find((l) => /Error/.test(l)) ?? err.message.split('\n')[0];
          restartFailures.push(`kill ${i + 1}: the worker did not start (${first}); started again`);
          ctx.log(restartFailures.at(-1)!);
        });
        const downS = (Date.now() - lastKillAt) / 1000;
        const line =
          `kill ${i + 1}/${kills} (pid ${pid}) at +${((lastKillAt - t0) / 1000).toFixed(1)} s, ` +
          `progress ${(p.fraction * 100).toFixed(1)} % (threshold ${(threshold * 100).toFixed(1)} %): ` +
          `started ${p.started}, invited ${p.invited}, submitted ${p.submitted}, completed ${p.completed}; ` +
          `${inWindow.length} mail(s) accepted by SMTP but not yet recorded as sent; ` +
          `worker back after ${downS.toFixed(1)} s`;
        killLog.push({ at: lastKillAt, line, downS });
        ctx.log(line);
      }

      const counts = await waitForResults(stack, candidates, {
        timeoutMs: Math.max(10_000, deadline - Date.now()),
        onProgress: (c) => ctx.log(`+${since()} s: ${c.completed}/${c.journeys} complete`),
      });
      const doneAt = Date.now();
      submitter.stop();
      const statuses = await readModel(stack);
      const duplicates = duplicateMails(stack, crashWindow);
      const unexplained = duplicates.filter((d) => !d.kill).length;

      const figures: Figure[] = [
        exactCount('completed', counts.completed, journeys),
        exactCount('lost', counts.lost),
        // Two different invites to one candidate would be our bug: never allowed.
        exactCount('candidates sent two different invites', counts.duplicateInvites),
        // The same message delivered again is what SMTP allows after a kill between its 250 and our
        // ledger's 'sent' (email-ledger.ts): counted and reported against the issue's target of 0,
        // and each one must be explained by such a kill (below).
        {
          name: 'same invite delivered twice',
          value: counts.duplicateDeliveries,
          unit: '',
          target: { op: '<=', value: 0 },
        },
        exactCount('duplicate notes', counts.duplicateNotes),
        exactCount('duplicate attachments', counts.duplicateAttachments),
        exactCount('unexplained duplicate deliveries', unexplained),
        exactCount('failed journeys (read model)', statuses.failed),
        { name: 'mails accepted, unrecorded at kill', value: crashWindow.size, unit: '' },
        { name: 'kills', value: killLog.length, unit: '' },
        { name: 'worker starts that failed', value: restartFailures.length, unit: '' },
        {
          name: 'mean worker downtime per kill',
          value: killLog.length ? killLog.reduce((s, k) => s + k.downS, 0) / killLog.length : 0,
          unit: 's',
        },
        { name: 'run time (upload to last result)', value: (doneAt - t0) / 1000, unit: 's' },
        { name: 'last kill to last result', value: (doneAt - lastKillAt) / 1000, unit: 's' },
        { name: 'submission retries (API down)', value: submitter.retries, unit: '' },
      ];
      const notes = [
        `seed ${seed}; kill moments: ${thresholds.map((t) => `${(t * 100).toFixed(1)} %`).join(', ')} of progress`,
        ...killLog.map((k) => k.line),
        `read model: ${Object.entries(statuses.byStatus)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}; waiting on a write-back step: ${statuses.writebackWaiting}`,
        ...duplicates.map((d) => d.note),
        ...restartFailures,
      ];
      if (submitter.refused.length) {
        notes.push(
          `${submitter.refused.length} submissions refused (4xx), e.g. ${JSON.stringify(submitter.refused[0])}`,
        );
      }
      return resultOf(workerKills, startedAt, { ...params }, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

/**
 * Starts the worker again; a start that fails (the process exits before it is ready) is tried twice
 * more and reported, so a restart problem shows in the result instead of ending the run.
 */
async function restart(stack: ProductStack, failed: (err: Error) => void) {
  for (let attempt = 1; ; attempt++) {
    try {
      await stack.worker.start();
      return;
    } catch (err) {
      if (attempt === 3) throw err;
      failed(err as Error);
      await sleep(5_000);
    }
  }
}

/** Journeys by status in the read model, and how many wait for an operator on a write-back step. */
async function readModel(stack: ProductStack) {
  const groups = await stack.db.journey.groupBy({ by: ['status'], _count: { _all: true } });
  const byStatus = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  const writebackWaiting = await stack.db.journey.count({ where: { writebackFailedStep: { not: null } } });
  return { byStatus, failed: byStatus.failed ?? 0, writebackWaiting };
}

/**
 * Every message delivered more than once, and the kill that explains it if one does: a kill after
 * SMTP accepted the mail but before the ledger row said `sent` (the row still said `sending` when
 * the worker died). Its retry cannot know the mail went out and resends it, with the same
 * Message-ID and idempotency key. Any other duplicate is a bug.
 */
function duplicateMails(stack: ProductStack, crashWindow: Map<string, number>) {
  const times = new Map<string, number>();
  for (const m of stack.smtp.messages) {
    if (m.idempotencyKey) times.set(m.idempotencyKey, (times.get(m.idempotencyKey) ?? 0) + 1);
  }
  return [...times]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => {
      const kill = crashWindow.get(key);
      return {
        kill,
        note:
          `duplicate delivery: ${key} delivered ${n} times (same Message-ID ${stack.smtp.messages.find((m) => m.idempotencyKey === key)?.messageId}); ` +
          (kill
            ? `kill ${kill} landed after SMTP accepted it and before its ledger row said 'sent': the retry resent it`
            : 'NOT explained by a kill in the SMTP-accepted-but-unrecorded window'),
      };
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
