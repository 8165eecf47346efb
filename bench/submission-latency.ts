import { Client, Connection } from '@temporalio/client';
import { sendTests, startSubmitting, waitForResults } from '../harness/journey-driver.js';
import type { HarnessCandidate } from '../harness/product-stack.js';
import { waitFor } from '../harness/processes.js';
import { startProductStack, type ProductStack } from '../harness/product-stack.js';
import { machineNote, percentile, type Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { runBaseline } from './baseline/run-baseline.js';

/**
 * Issue 9, benchmark 5, redesigned for issue 17: latency measured below capacity, not in a queue.
 * Candidates get a test through a recruiter's Send test (so each journey has a completion URL) and
 * are all invited first. Then:
 *  1. Capacity: `capacityJourneys` candidates submit at once (as fast as the API takes them); the
 *     capacity is their completion PATCHes per second, from the first submit to the last PATCH.
 *     The baseline, on the same Temporal server in the same run: as many bare workflows, each with
 *     as many no-op activities, one after the other, as a journey runs from the submit to its PATCH.
 *  2. Latency: `latencyJourneys` other candidates submit at half that capacity, while the first
 *     group's write-back (custom fields, note, report, stage) still runs. Latency per journey: the
 *     moment the sandbox received our completion PATCH for the candidate's test minus the moment
 *     the candidate's submit request started. Both are `Date.now()` of this process: the sandbox
 *     runs in-process and stamps the PATCH on arrival, the submitter stamps before its POST.
 * Every PATCH is checked as it lands: Greenhouse's test_status for it must answer `complete` with
 * a report link, and the link must open (the report exists before Greenhouse hears of it).
 */

export interface SubmissionLatencyParams extends Record<string, number> {
  /** Journeys submitted at once to measure the capacity. */
  capacityJourneys: number;
  /** Journeys submitted at half the capacity to measure the latency. */
  latencyJourneys: number;
}

/**
 * Activity tasks from a submit to its completion PATCH: storeSubmission and sendCompletionPatch.
 * finalizeResult, renderReport and the `complete` snapshot between them are local activities
 * (patch 'result-locally'; the activity only when the local attempt fails).
 */
export const ACTIVITIES_TO_PATCH = 2;

export const submissionLatency: Scenario<SubmissionLatencyParams> = {
  suite: 'bench',
  name: 'submission-latency',
  description:
    "candidate's submit → completion PATCH received by Greenhouse, at half the measured capacity (completions/s versus a bare workflow with as many activities)",
  defaults: { capacityJourneys: 200, latencyJourneys: 200 },
  smoke: { capacityJourneys: 8, latencyJourneys: 8 },
  async run(params, ctx) {
    const startedAt = Date.now();
    const { capacityJourneys, latencyJourneys } = params;
    const n = capacityJourneys + latencyJourneys;
    const stack = await startProductStack({ candidates: n, ...sharedParts(ctx), log: ctx.log });
    try {
      const candidates = stack.candidates.slice(0, n);
      const burst = candidates.slice(0, capacityJourneys);
      const paced = candidates.slice(capacityJourneys);
      const reportChecks = watchReportLinks(stack);

      // Everyone invited (and the invite burst over) before the first submission.
      ctx.log(`sending ${n} tests`);
      await sendTests(stack, candidates);
      await waitFor(`${n} invitations`, async () => invitesReceived(stack) >= n, 60_000 + n * 1000);
      await new Promise((r) => setTimeout(r, 2_000));

      // 1. Capacity: the bare workflow, then the burst.
      const baseline = await runBaseline({
        temporalAddress: stack.temporal.address,
        workflows: capacityJourneys,
        activities: ACTIVITIES_TO_PATCH,
        temporalPid: stack.temporal.pid,
        timeoutMs: 600_000,
        log: ctx.log,
      });
      ctx.log(`baseline: ${baseline.workflowsPerSecond.toFixed(2)} bare workflows/s`);
      ctx.log(`capacity: ${capacityJourneys} submissions at once`);
      const first = await submitGroup(stack, burst, { concurrency: 32 }, ctx.log);
      const burstPatches = first.patchTimes();
      const capacitySeconds = (Math.max(...burstPatches) - Math.min(...first.submitTimes())) / 1000;
      const capacity = burstPatches.length / capacitySeconds;
      ctx.log(`capacity: ${capacity.toFixed(2)} completion PATCHes/s (${capacitySeconds.toFixed(1)} s)`);

      // 2. Latency at half the capacity (open loop: a slow answer does not slow the next start).
      const ratePerSecond = capacity / 2;
      ctx.log(`latency: ${latencyJourneys} submissions at ${ratePerSecond.toFixed(2)}/s`);
      const second = await submitGroup(
        stack,
        paced,
        { ratePerSecond, concurrency: Math.max(8, Math.ceil(ratePerSecond * 5)) },
        ctx.log,
      );
      const latencies = second.latencies();
      const times = second.submitTimes().sort((a, b) => a - b);
      const achievedRate = times.length > 1 ? (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000) : NaN;
      const stages = await breakdown(stack, second.submitter.submittedAt, second.firstPatch, second.emails);
      // Write-back of both groups done (notes, reports): counts every journey's effects once.
      const counts = await waitForResults(stack, candidates, {
        timeoutMs: 180_000 + n * 500,
        expectPatch: true,
        onProgress: (c) => ctx.log(`${c.completed}/${n} results in Greenhouse`),
      });
      const checked = await reportChecks.stop();

      const figures: Figure[] = [
        {
          name: 'capacity (completion PATCHes per second)',
          value: capacity,
          unit: '/s',
          baseline: baseline.workflowsPerSecond,
        },
        {
          name: 'submit → PATCH p50 at half capacity',
          value: percentile(latencies, 50),
          unit: 'ms',
          target: { op: '<=', value: 1000 },
        },
        { name: 'submit → PATCH p90 at half capacity', value: percentile(latencies, 90), unit: 'ms' },
        {
          name: 'submit → PATCH p99 at half capacity',
          value: percentile(latencies, 99),
          unit: 'ms',
          target: { op: '<=', value: 3000 },
        },
        { name: 'submit → PATCH max at half capacity', value: percentile(latencies, 100), unit: 'ms' },
        { name: 'offered submission rate', value: ratePerSecond, unit: '/s' },
        {
          name: 'achieved submission rate',
          value: achievedRate,
          unit: '/s',
          target: { op: '>=', value: ratePerSecond * 0.9 },
        },
        { name: 'journeys measured', value: latencies.length, unit: '' },
        { name: 'submit → answers taken p50', value: stages.taken, unit: 'ms' },
        { name: 'answers taken → complete p50', value: stages.complete, unit: 'ms' },
        { name: 'complete → PATCH p50', value: stages.patch, unit: 'ms' },
        { name: 'submit → answers taken p99', value: stages.p99.taken, unit: 'ms' },
        { name: 'answers taken → complete p99', value: stages.p99.complete, unit: 'ms' },
        { name: 'complete → PATCH p99', value: stages.p99.patch, unit: 'ms' },
        exactCount('lost journeys', counts.lost),
        exactCount('duplicate completion PATCHes', counts.duplicatePatches),
        exactCount('report links not opening when the PATCH landed', checked.failed),
        { name: 'report links checked at their PATCH', value: checked.checked, unit: '' },
        exactCount('not submitted in time', n - first.answered() - second.answered()),
        exactCount('PATCH before submit', first.patchBeforeSubmit() + second.patchBeforeSubmit()),
      ];
      const notes = [
        `capacity: ${capacityJourneys} candidates submit at once (32 in flight); completions per second from the first submit to the last completion PATCH. Baseline: ${capacityJourneys} bare workflows with ${ACTIVITIES_TO_PATCH} no-op activities each (the activity tasks from a submit to its PATCH), on their own worker, same Temporal server, same run, before the burst.`,
        `latency: ${latencyJourneys} other candidates submit at half the capacity (${ratePerSecond.toFixed(2)}/s), while the burst's write-back still runs; the completion PATCH has the highest task priority, so older journeys' write-back does not delay it.`,
        'Both times are Date.now() of this process (the sandbox is in-process and stamps the PATCH on arrival); the submit time is taken just before the candidate’s POST.',
        'Stages (same host clock): "answers taken" is when the journey’s submit handler ran (submissions.submitted_at, workflow time); "complete" is the workflow time of its complete snapshot (journeys.completed_at), after storeSubmission, finalizeResult and renderReport; then sendCompletionPatch.',
        'Report links: as each PATCH lands, the sandbox (as Greenhouse) reads test_status; the moment its test holds the partner_profile_url, the link is opened; a link that does not answer 200, or no complete status within 30 s, counts.',
        `slowest at half capacity (total: taken / complete / PATCH, ms): ${stages.slowest.map((x) => `${x.total}: ${x.taken} / ${x.complete} / ${x.patch}`).join('; ')}`,
        `their activity tasks (type: scheduled → started / started → closed, ms; local activities are not listed): ${(await Promise.all(stages.slowest.map((x) => activityTimings(stack.temporal.address, x.journeyId)))).join('; ')}`,
        machineNote(),
        ...(first.submitter.retries + second.submitter.retries
          ? [
              `${first.submitter.retries + second.submitter.retries} submissions were tried again after a 5xx/429/network failure`,
            ]
          : []),
      ];
      return resultOf(submissionLatency, startedAt, params, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

/**
 * One group of candidates submits (only they), and the wait until each has its completion PATCH.
 * Returns the group's submit and PATCH times.
 */
async function submitGroup(
  stack: ProductStack,
  group: HarnessCandidate[],
  options: { ratePerSecond?: number; concurrency: number },
  log: (line: string) => void,
) {
  const emails = new Map(group.map((c) => [c.applicationId, c.email.toLowerCase()]));
  const only = new Set(emails.values());
  const submitter = startSubmitting(stack, { ...options, only });
  const firstPatch = new Map<string, number>();
  const scanPatches = () => {
    const emailByTest = new Map<number, string>();
    for (const t of stack.sb.admin.tests(stack.org.org.id)) {
      const email = emails.get(t.applicationId);
      if (email) emailByTest.set(t.id, email);
    }
    for (const p of stack.sb.partner.patches) {
      const email = p.authorized ? emailByTest.get(p.testId) : undefined;
      if (email && !firstPatch.has(email)) firstPatch.set(email, p.at);
    }
  };
  const answered = () => submitter.submittedAt.size + submitter.refused.length;
  const timeoutMs = 300_000 + group.length * (options.ratePerSecond ? 2000 / options.ratePerSecond : 1000);
  await waitFor(
    `${group.length} completion PATCHes`,
    async () => {
      scanPatches();
      return answered() >= group.length && firstPatch.size >= submitter.submittedAt.size;
    },
    timeoutMs,
  )
    .catch((err: unknown) => log((err as Error).message))
    .finally(() => submitter.stop());
  scanPatches();
  const latencies = () =>
    [...submitter.submittedAt].flatMap(([email, at]) => {
      const patchAt = firstPatch.get(email);
      return patchAt === undefined ? [] : [patchAt - at];
    });
  return {
    submitter,
    firstPatch,
    emails,
    answered,
    submitTimes: () => [...submitter.submittedAt.values()],
    patchTimes: () => [...firstPatch.values()],
    latencies,
    patchBeforeSubmit: () => latencies().filter((l) => l < 0).length,
  };
}

/**
 * Reads test_status and opens the report link as each completion PATCH lands (polling the
 * sandbox's PATCH log every 50 ms), as Greenhouse would on hearing of it.
 */
function watchReportLinks(stack: ProductStack) {
  let seen = 0;
  let checked = 0;
  let failed = 0;
  const checking = new Set<Promise<void>>();
  const check = async (testId: number) => {
    // Greenhouse calls test_status right after the PATCH (the sandbox does): as soon as the test
    // holds the report link, open it.
    const url = await waitFor(
      `test ${testId}'s report link`,
      async () => {
        const test = stack.sb.admin.tests(stack.org.org.id).find((t) => t.id === testId);
        return test?.partnerStatus === 'complete' ? test.partnerProfileUrl : null;
      },
      30_000,
    ).catch(() => null);
    const ok =
      url !== null &&
      (await fetch(url, { redirect: 'manual' })
        .then(async (res) => {
          await res.arrayBuffer();
          return res.status === 200;
        })
        .catch(() => false));
    checked++;
    if (!ok) failed++;
  };
  const timer = setInterval(() => {
    const patches = stack.sb.partner.patches;
    for (; seen < patches.length; seen++) {
      const p = patches[seen]!;
      if (!p.authorized) continue;
      const job = check(p.testId).finally(() => checking.delete(job));
      checking.add(job);
    }
  }, 50);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(checking);
      return { checked, failed };
    },
  };
}

/** p50 of each stage of the way, from the read model's times (written with the workflow's clock). */
async function breakdown(
  stack: ProductStack,
  submittedAt: Map<string, number>,
  patchAt: Map<string, number>,
  emailByApplication: Map<number, string>,
) {
  const journeys = await stack.db.journey.findMany({
    where: { tenantId: stack.tenantId },
    select: { id: true, greenhouseApplicationId: true, completedAt: true },
  });
  const submissions = new Map(
    (await stack.db.submission.findMany({ select: { journeyId: true, submittedAt: true } })).map((s) => [
      s.journeyId,
      s.submittedAt.getTime(),
    ]),
  );
  const taken: number[] = [];
  const complete: number[] = [];
  const patch: number[] = [];
  const slowest: { journeyId: string; total: number; taken: number; complete: number; patch: number }[] = [];
  for (const j of journeys) {
    const email = emailByApplication.get(Number(j.greenhouseApplicationId));
    const submit = email ? submittedAt.get(email) : undefined;
    const tookAt = submissions.get(j.id);
    const patched = email ? patchAt.get(email) : undefined;
    if (submit === undefined || tookAt === undefined || patched === undefined || !j.completedAt) continue;
    taken.push(tookAt - submit);
    complete.push(j.completedAt.getTime() - tookAt);
    patch.push(patched - j.completedAt.getTime());
    slowest.push({
      journeyId: j.id,
      total: patched - submit,
      taken: taken.at(-1)!,
      complete: complete.at(-1)!,
      patch: patch.at(-1)!,
    });
  }
  const at = (q: number) => ({
    taken: percentile(taken, q),
    complete: percentile(complete, q),
    patch: percentile(patch, q),
  });
  // Where the tail's time goes: each stage's own p99, and the stages of the three slowest journeys.
  slowest.sort((a, b) => b.total - a.total);
  return { ...at(50), p99: at(99), slowest: slowest.slice(0, 3) };
}

const TO_PATCH = new Set(['storeSubmission', 'finalizeResult', 'renderReport', 'sendCompletionPatch']);

/** Each activity of a journey's history from its submission to its PATCH: how long it waited for a worker, how long it ran. */
async function activityTimings(address: string, journeyId: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(journeyId).fetchHistory();
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
      Number(t?.seconds ?? 0) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);
    const scheduled = new Map<string, { type: string; at: number; startedAt?: number }>();
    const out: string[] = [];
    for (const e of history.events ?? []) {
      const at = ms(e.eventTime);
      const id = String(e.eventId);
      if (e.activityTaskScheduledEventAttributes)
        scheduled.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
      const started = e.activityTaskStartedEventAttributes;
      if (started) scheduled.get(String(started.scheduledEventId))!.startedAt = at;
      const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
      if (closed) {
        const a = scheduled.get(String(closed.scheduledEventId))!;
        if (!TO_PATCH.has(a.type)) continue;
        out.push(`${a.type}: ${(a.startedAt ?? at) - a.at} / ${at - (a.startedAt ?? at)}`);
      }
    }
    return `${journeyId} ${out.join(', ')}`;
  } finally {
    await connection.close();
  }
}

function invitesReceived(stack: ProductStack): number {
  return new Set(
    stack.smtp.messages
      .filter((msg) => msg.idempotencyKey && /:invite:1$/.test(msg.idempotencyKey))
      .map((msg) => msg.envelope.to[0]?.toLowerCase()),
  ).size;
}
