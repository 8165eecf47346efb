import { startSubmitting, type JourneyCounts } from '../harness/journey-driver.js';
import { startProductStack, type HarnessCandidate, type ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import {
  countJourneys,
  splitJourneys,
  startJourneys,
  waitForJourneys,
  type JourneyGroups,
} from './journey-groups.js';

/**
 * Issue 9, fault 2: Greenhouse goes down while journeys are in flight. First every Harvest route
 * (`/v1/*`, `/v3/*`) and the completion callback (`PATCH /integrations/…`) answer 503 for a window,
 * then 429 with Retry-After for another; then Greenhouse is back. Every journey must complete
 * afterwards with each effect exactly once, none lost, none failed for good (no journey `failed`, no
 * write-back step waiting for an operator).
 *
 * The journeys: most are vendor invites (a bulk CSV through the operator API: the journey first
 * looks up the candidate's application in Harvest), some are a recruiter's Send test in Greenhouse
 * (the journey PATCHes the completion callback at the end). The outage starts once `startAtPercent`
 * of the journeys started first have their result in Greenhouse, so it finds journeys in every
 * phase; the rest (`latePercent` of each group) start just as it begins, so application look-ups,
 * and results that land while Greenhouse answers 429, run into it too.
 */

type Params = {
  journeys: number;
  /** Share of journeys started by Send test in Greenhouse (the rest by CSV upload), in %. */
  sendTestPercent: number;
  /** Share of each group's journeys started as the outage begins, in %. */
  latePercent: number;
  /** The outage starts once this share of the journeys has its result in Greenhouse, in %. */
  startAtPercent: number;
  outage503S: number;
  storm429S: number;
  retryAfterS: number;
  timeoutS: number;
};

const ROUTES = ['/v1/*', '/v3/*', 'PATCH /integrations/*'];

export const greenhouseOutage: Scenario<Params> = {
  suite: 'faults',
  name: 'greenhouse-outage',
  description: 'Greenhouse answers 503, then 429 with Retry-After, while journeys are in flight',
  defaults: {
    journeys: 200,
    sendTestPercent: 25,
    latePercent: 25,
    startAtPercent: 20,
    outage503S: 20,
    storm429S: 20,
    retryAfterS: 5,
    timeoutS: 900,
  },
  smoke: {
    journeys: 24,
    sendTestPercent: 25,
    latePercent: 25,
    startAtPercent: 20,
    outage503S: 8,
    storm429S: 8,
    retryAfterS: 2,
    timeoutS: 150,
  },

  async run(params, ctx) {
    const startedAt = Date.now();
    const { journeys } = params;
    const stack = await startProductStack({
      candidates: journeys,
      log: ctx.log,
      ...sharedParts(ctx),
    });
    try {
      // Two groups (CSV upload, Send test), each started in two parts: before and as the outage starts.
      const groups = splitJourneys(stack, journeys, params.sendTestPercent);
      const lateOf = (group: HarnessCandidate[]) => Math.round((group.length * params.latePercent) / 100);
      const early: JourneyGroups = {
        csv: groups.csv.slice(0, groups.csv.length - lateOf(groups.csv)),
        sendTest: groups.sendTest.slice(0, groups.sendTest.length - lateOf(groups.sendTest)),
      };
      const late: JourneyGroups = {
        csv: groups.csv.slice(early.csv.length),
        sendTest: groups.sendTest.slice(early.sendTest.length),
      };
      const counts = (): JourneyCounts => countJourneys(stack, groups);

      const t0 = Date.now();
      const deadline = t0 + params.timeoutS * 1000;
      const since = (at = Date.now()) => (at - t0) / 1000;
      const submitter = startSubmitting(stack);
      await startJourneys(stack, early);

      // Completions over time, and journeys that ever waited on an operator (a write-back failed for good).
      const timeline: { at: number; completed: number }[] = [];
      const everWaiting = new Set<string>();
      const poll = setInterval(() => {
        const c = counts().completed;
        if (c !== timeline.at(-1)?.completed) timeline.push({ at: Date.now(), completed: c });
        void stack.db.journey
          .findMany({ where: { writebackFailedStep: { not: null } }, select: { id: true } })
          .then((rows) => rows.forEach((r) => everWaiting.add(r.id)))
          .catch(() => undefined);
      }, 500);

      try {
        const startAt = Math.ceil(((early.csv.length + early.sendTest.length) * params.startAtPercent) / 100);
        while (counts().completed < startAt && Date.now() < deadline) await sleep(200);
        const before = counts();

        // The outage: 503 on every Greenhouse route, then 429 with Retry-After, then nothing.
        const outageAt = Date.now();
        ctx.log(
          `+${since().toFixed(1)} s: Greenhouse down (503 for ${params.outage503S} s) with ${before.completed}/${journeys} results in`,
        );
        for (const route of ROUTES) stack.sb.faults.burst5xx({ route, durationMs: params.outage503S * 1000 });
        const lateStarts = startJourneys(stack, late);
        await sleep(params.outage503S * 1000);
        const stormAt = Date.now();
        ctx.log(
          `+${since().toFixed(1)} s: 429 storm (Retry-After ${params.retryAfterS} s) for ${params.storm429S} s`,
        );
        for (const route of ROUTES) {
          stack.sb.faults.storm429({
            route,
            durationMs: params.storm429S * 1000,
            retryAfterS: params.retryAfterS,
          });
        }
        await lateStarts;
        await sleep(params.storm429S * 1000);
        stack.sb.faults.clear();
        const backAt = Date.now();
        const during = counts();
        ctx.log(`+${since().toFixed(1)} s: Greenhouse back, ${during.completed}/${journeys} results in`);

        const final = await waitForJourneys(stack, groups, {
          deadline,
          log: (line) => ctx.log(`+${since().toFixed(1)} s: ${line}`),
        });
        const doneAt = timeline.at(-1)?.at ?? Date.now();
        const firstAfter = timeline.find((p) => p.at >= backAt && p.completed > during.completed);
        submitter.stop();

        const faulted = stack.sb.requestLog
          .list()
          .filter((e) => e.fault !== null && e.direction === 'inbound');
        const answered = (status: number, prefix: string) =>
          faulted.filter((e) => e.status === status && e.path.startsWith(prefix)).length;
        const realRateLimits = stack.sb.requestLog
          .list({ status: 429 })
          .filter((e) => e.fault === null).length;
        const readModel = await stateOf(stack);

        const figures: Figure[] = [
          exactCount('completed', final.completed, journeys),
          exactCount('lost', final.lost),
          exactCount('permanent failures', readModel.failed + everWaiting.size),
          exactCount('duplicate invites', final.duplicateInvites),
          exactCount('duplicate SMTP deliveries', final.duplicateDeliveries),
          exactCount('duplicate notes', final.duplicateNotes),
          exactCount('duplicate attachments', final.duplicateAttachments),
          exactCount('duplicate completion PATCHes', final.duplicatePatches),
          {
            name: 'journeys in flight at the outage',
            value: early.csv.length + early.sendTest.length - before.completed,
            unit: '',
          },
          { name: 'journeys started as it began', value: late.csv.length + late.sendTest.length, unit: '' },
          {
            name: 'results landed during the fault window',
            value: during.completed - before.completed,
            unit: '',
          },
          { name: '503 answered (Harvest)', value: answered(503, '/v1/') + answered(503, '/v3/'), unit: '' },
          { name: '503 answered (completion callback)', value: answered(503, '/integrations/'), unit: '' },
          { name: '429 answered (Harvest)', value: answered(429, '/v1/') + answered(429, '/v3/'), unit: '' },
          { name: '429 answered (completion callback)', value: answered(429, '/integrations/'), unit: '' },
          { name: '429 from the real rate limiter', value: realRateLimits, unit: '' },
          {
            name: 'first result after Greenhouse is back',
            value: firstAfter ? (firstAfter.at - backAt) / 1000 : NaN,
            unit: 's',
          },
          {
            name: 'time to recover (back to last result)',
            value: Math.max(0, doneAt - backAt) / 1000,
            unit: 's',
          },
          { name: 'run time (first upload to last result)', value: since(doneAt), unit: 's' },
        ];
        const notes = [
          `${groups.csv.length} journeys by CSV upload, ${groups.sendTest.length} by Send test; ` +
            `${late.csv.length} and ${late.sendTest.length} of them started as the outage began`,
          `outage at +${since(outageAt).toFixed(1)} s (503 on ${ROUTES.join(', ')}), 429 storm at +${since(stormAt).toFixed(1)} s, ` +
            `back at +${since(backAt).toFixed(1)} s; last result at +${since(doneAt).toFixed(1)} s`,
          `read model: ${Object.entries(readModel.byStatus)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ')}; journeys that ever waited on a write-back step: ${everWaiting.size}` +
            (readModel.waiting.length ? ` (now: ${readModel.waiting.join('; ')})` : ''),
        ];
        if (submitter.refused.length) {
          notes.push(
            `${submitter.refused.length} submissions refused (4xx), e.g. ${JSON.stringify(submitter.refused[0])}`,
          );
        }
        return resultOf(greenhouseOutage, startedAt, { ...params }, figures, notes);
      } finally {
        clearInterval(poll);
        submitter.stop();
      }
    } finally {
      await stack.close();
    }
  },
};

async function stateOf(stack: ProductStack) {
  const groups = await stack.db.journey.groupBy({ by: ['status'], _count: { _all: true } });
  const byStatus = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  const waiting = await stack.db.journey.findMany({
    where: { writebackFailedStep: { not: null } },
    select: { id: true, writebackFailedStep: true, statusDetail: true },
  });
  return {
    byStatus,
    failed: byStatus.failed ?? 0,
    waiting: waiting.map((j) => `${j.id} ${j.writebackFailedStep}: ${j.statusDetail}`),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
