import { availableParallelism, loadavg } from 'node:os';
import { sendTests, startSubmitting, waitForResults } from '../harness/journey-driver.js';
import { waitFor } from '../harness/processes.js';
import { startProductStack, type ProductStack } from '../harness/product-stack.js';
import { percentile, type Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';

/**
 * Issue 9, benchmark 5: from a candidate's submit to Greenhouse hearing about it. `journeys`
 * candidates get a test through a recruiter's Send test (so each journey has a completion URL), all
 * are invited first, then they submit at `ratePerSecond`. Latency per journey: the moment the
 * sandbox received our completion PATCH for the candidate's test minus the moment the candidate's
 * submit request started. Both are `Date.now()` of this process: the sandbox runs in-process and
 * stamps the PATCH on arrival (`sb.partner.patches[].at`), the submitter stamps before its POST.
 */

export interface SubmissionLatencyParams extends Record<string, number> {
  journeys: number;
  /** Submissions started per second. */
  ratePerSecond: number;
}

export const submissionLatency: Scenario<SubmissionLatencyParams> = {
  suite: 'bench',
  name: 'submission-latency',
  description: "candidate's submit → completion PATCH received by Greenhouse",
  defaults: { journeys: 500, ratePerSecond: 50 },
  smoke: { journeys: 20, ratePerSecond: 10 },
  async run(params, ctx) {
    const startedAt = Date.now();
    const { journeys: n, ratePerSecond } = params;
    const stack = await startProductStack({
      candidates: n,
      ...sharedParts(ctx),
      log: ctx.log,
    });
    try {
      const candidates = stack.candidates.slice(0, n);

      // 1. Everyone invited (and the invite burst over) before the first submission.
      ctx.log(`sending ${n} tests`);
      await sendTests(stack, candidates);
      await waitFor(`${n} invitations`, async () => invitesReceived(stack) >= n, 60_000 + n * 500);
      await new Promise((r) => setTimeout(r, 2_000));

      // 2. Submissions at the given rate (open loop: a slow answer does not slow the next start).
      ctx.log(`submitting at ${ratePerSecond}/s`);
      const concurrency = Math.max(8, Math.ceil(ratePerSecond * 5));
      const submitter = startSubmitting(stack, {
        ratePerSecond,
        // A submit waits for the journey to take the answers: allow several seconds of them in flight.
        concurrency,
      });
      await waitFor(
        `${n} submissions`,
        async () => submitter.submittedAt.size + submitter.refused.length >= n,
        120_000 + Math.ceil((n / ratePerSecond) * 5000),
      )
        .catch((err: unknown) => ctx.log((err as Error).message))
        .finally(() => submitter.stop());
      // Submissions still in flight when the wait ended land (or fail) by themselves: let them.
      const answered = () => submitter.submittedAt.size + submitter.refused.length;
      for (let seen = -1, since = Date.now(), until = Date.now() + 60_000; Date.now() < until;) {
        if (answered() !== seen) [seen, since] = [answered(), Date.now()];
        else if (Date.now() - since > 3_000) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const notSubmitted = n - answered();
      const submitted = candidates.filter((c) => submitter.submittedAt.has(c.email.toLowerCase()));

      const counts = await waitForResults(stack, submitted, {
        timeoutMs: 180_000 + n * 200,
        expectPatch: true,
        onProgress: (c) => ctx.log(`${c.completed}/${submitted.length} results in Greenhouse`),
      });

      // 3. Latency per journey: first authorised PATCH of the candidate's test − submit.
      const emailByApplication = new Map(candidates.map((c) => [c.applicationId, c.email.toLowerCase()]));
      const emailByTest = new Map<number, string>();
      for (const t of stack.sb.admin.tests(stack.org.org.id)) {
        const email = emailByApplication.get(t.applicationId);
        if (email) emailByTest.set(t.id, email);
      }
      const firstPatch = new Map<string, number>();
      for (const p of stack.sb.partner.patches) {
        const email = p.authorized ? emailByTest.get(p.testId) : undefined;
        if (email && !firstPatch.has(email)) firstPatch.set(email, p.at);
      }
      const latencies: number[] = [];
      let patchBeforeSubmit = 0;
      for (const [email, at] of submitter.submittedAt) {
        const patchAt = firstPatch.get(email);
        if (patchAt === undefined) continue;
        if (patchAt < at) patchBeforeSubmit++;
        latencies.push(patchAt - at);
      }
      const times = [...submitter.submittedAt.values()].sort((a, b) => a - b);
      const spanS = times.length > 1 ? (times.at(-1)! - times[0]!) / 1000 : NaN;
      const achievedRate = times.length > 1 ? (times.length - 1) / spanS : NaN;
      const stages = await breakdown(stack, submitter.submittedAt, firstPatch, emailByApplication);

      const figures: Figure[] = [
        {
          name: 'submit → PATCH p50',
          value: percentile(latencies, 50),
          unit: 'ms',
          target: { op: '<=', value: 1000 },
        },
        { name: 'submit → PATCH p90', value: percentile(latencies, 90), unit: 'ms' },
        { name: 'submit → PATCH p99', value: percentile(latencies, 99), unit: 'ms' },
        { name: 'submit → PATCH max', value: percentile(latencies, 100), unit: 'ms' },
        {
          name: 'achieved submission rate',
          value: achievedRate,
          unit: '/s',
          target: { op: '>=', value: ratePerSecond * 0.95 },
        },
        { name: 'journeys measured', value: latencies.length, unit: '' },
        { name: 'submit → answers taken p50', value: stages.taken, unit: 'ms' },
        { name: 'answers taken → complete p50', value: stages.complete, unit: 'ms' },
        { name: 'complete → PATCH p50', value: stages.patch, unit: 'ms' },
        exactCount('lost journeys', counts.lost),
        exactCount('duplicate completion PATCHes', counts.duplicatePatches),
        // A retry after a 5xx whose first attempt went through is refused (already submitted): a
        // figure to read with the retries, not a count that must be 0.
        { name: 'refused submissions', value: submitter.refused.length, unit: '' },
        exactCount('not submitted in time', notSubmitted),
        exactCount('PATCH before submit', patchBeforeSubmit),
      ];
      const notes = [
        'Both times are Date.now() of this process (the sandbox is in-process and stamps the PATCH on arrival); the submit time is taken just before the candidate’s POST.',
        'Stages (same host clock): "answers taken" is when the journey’s submit handler ran (submissions.submitted_at, workflow time); "complete" is the workflow time of its complete snapshot (journeys.completed_at), after storeSubmission, finalizeResult and renderReport; then recordJourneySnapshot and sendCompletionPatch. Each step is an activity: a workflow task and an activity task through Temporal.',
        `Submissions keep to a ${ratePerSecond}/s schedule with at most ${concurrency} in flight: when the API takes longer to accept each one (it answers once the journey has taken the answers), fewer than ${ratePerSecond}/s go in; the achieved rate says what was offered.`,
        machineNote(),
        ...(submitter.retries
          ? [`${submitter.retries} submissions were tried again after a 5xx/429/network failure`]
          : []),
        ...(submitter.refused.length
          ? [
              `refused submissions (not measured): ${submitter.refused.map((r) => r.status).join(', ')}; a retry of a submit that went through is answered as already submitted`,
            ]
          : []),
      ];
      return resultOf(submissionLatency, startedAt, params, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

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
  for (const j of journeys) {
    const email = emailByApplication.get(Number(j.greenhouseApplicationId));
    const submit = email ? submittedAt.get(email) : undefined;
    const tookAt = submissions.get(j.id);
    const patched = email ? patchAt.get(email) : undefined;
    if (submit === undefined || tookAt === undefined || patched === undefined || !j.completedAt) continue;
    taken.push(tookAt - submit);
    complete.push(j.completedAt.getTime() - tookAt);
    patch.push(patched - j.completedAt.getTime());
  }
  return { taken: percentile(taken, 50), complete: percentile(complete, 50), patch: percentile(patch, 50) };
}

/** Benchmarks share the machine (other stacks, other runs): say how busy it was. */
function machineNote(): string {
  const [one, five] = loadavg();
  return `load average at the end: ${one!.toFixed(1)} (1 min), ${five!.toFixed(1)} (5 min) on ${availableParallelism()} cores`;
}

function invitesReceived(stack: ProductStack): number {
  return new Set(
    stack.smtp.messages
      .filter((msg) => msg.idempotencyKey && /:invite:1$/.test(msg.idempotencyKey))
      .map((msg) => msg.envelope.to[0]?.toLowerCase()),
  ).size;
}
