import {
  DEMO_PACKAGE_ID,
  demoPackage,
  questions,
  scoreAnswers,
  type Answers,
} from '../demo-vendor/package.js';
import { reportPdf } from '../demo-vendor/report.js';
import { sendTests } from '../harness/journey-driver.js';
import { waitFor } from '../harness/processes.js';
import { startProductStack, type ProductStack } from '../harness/product-stack.js';
import { machineNote, percentile, type Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { demoVendorKey, enableDemoVendorPackage } from '../scripts/demo-tenant.js';
import { createGreenroomClient, resultWithReport, type GreenroomClient } from '../vendor-client/index.js';
import { runBaseline } from './baseline/run-baseline.js';

/**
 * Issue 16's second benchmark: a vendor's result accepted → Greenhouse's completion PATCH, measured
 * below capacity. The bench plays the vendor with the demo vendor's package, scoring and PDF, through
 * the typed client. Recruiters send the package's test in the sandbox (so every order has a
 * completion URL); once every order waits for its result:
 *  1. Capacity: `capacityOrders` results put at once (32 in flight); completion PATCHes per second
 *     from the first PUT to the last PATCH. Baseline, same Temporal server, same run: as many bare
 *     workflows with as many no-op activities as an order runs from the PUT to its PATCH.
 *  2. Latency: `latencyOrders` other results put at half that capacity (open loop) while the first
 *     group's write-back still runs. Latency: the sandbox's arrival time of the order's PATCH minus
 *     the moment greenroom answered the PUT (the result accepted); both Date.now() of this process.
 */

export interface VendorResultLatencyParams extends Record<string, number> {
  capacityOrders: number;
  latencyOrders: number;
}

/** Activity tasks from a PUT to its PATCH: acceptOrderResult (in the Update), sendCompletionPatch. */
export const ACTIVITIES_TO_PATCH = 2;

export const vendorResultLatency: Scenario<VendorResultLatencyParams> = {
  suite: 'bench',
  name: 'vendor-result-latency',
  description:
    "vendor's result accepted → completion PATCH received by Greenhouse, at half the measured capacity (completions/s versus a bare workflow with as many activities)",
  defaults: { capacityOrders: 200, latencyOrders: 200 },
  smoke: { capacityOrders: 6, latencyOrders: 6 },
  async run(params, ctx) {
    const startedAt = Date.now();
    const { capacityOrders, latencyOrders } = params;
    const n = capacityOrders + latencyOrders;
    const stack = await startProductStack({ candidates: n, ...sharedParts(ctx), log: ctx.log });
    try {
      const vendor = await vendorFor(stack);
      const candidates = stack.candidates.slice(0, n);
      ctx.log(`sending ${n} tests of ${DEMO_PACKAGE_ID}`);
      await sendTests(stack, candidates, 8, DEMO_PACKAGE_ID);
      const orders = await waitFor(
        `${n} orders waiting for their result`,
        async () => {
          const waiting = await stack.db.journey.findMany({
            where: { tenantId: stack.tenantId, kind: 'vendor_hosted', status: 'sent' },
            select: { id: true, greenhouseApplicationId: true },
          });
          return waiting.length >= n ? waiting : null;
        },
        120_000 + n * 1000,
      );
      const testOf = testsByApplication(stack);
      const order = orders.map((o) => ({ id: o.id, testId: testOf(Number(o.greenhouseApplicationId)) }));

      const baseline = await runBaseline({
        temporalAddress: stack.temporal.address,
        workflows: capacityOrders,
        activities: ACTIVITIES_TO_PATCH,
        temporalPid: stack.temporal.pid,
        timeoutMs: 600_000,
        log: ctx.log,
      });
      ctx.log(`baseline: ${baseline.workflowsPerSecond.toFixed(2)} bare workflows/s`);

      const first = await putGroup(stack, vendor, order.slice(0, capacityOrders), { concurrency: 32 });
      const capacitySeconds = (Math.max(...first.patchTimes()) - Math.min(...first.putStarts())) / 1000;
      const capacity = first.patchTimes().length / capacitySeconds;
      ctx.log(`capacity: ${capacity.toFixed(2)} completion PATCHes/s (${capacitySeconds.toFixed(1)} s)`);

      const ratePerSecond = capacity / 2;
      ctx.log(`latency: ${latencyOrders} results at ${ratePerSecond.toFixed(2)}/s`);
      const second = await putGroup(stack, vendor, order.slice(capacityOrders), {
        concurrency: Math.max(8, Math.ceil(ratePerSecond * 5)),
        ratePerSecond,
      });
      const latencies = second.latencies();
      const patches = countPatches(stack, order);

      const figures: Figure[] = [
        {
          name: 'capacity (completion PATCHes per second)',
          value: capacity,
          unit: '/s',
          baseline: baseline.workflowsPerSecond,
        },
        {
          name: 'result accepted → PATCH p50 at half capacity',
          value: percentile(latencies, 50),
          unit: 'ms',
        },
        {
          name: 'result accepted → PATCH p99 at half capacity',
          value: percentile(latencies, 99),
          unit: 'ms',
        },
        {
          name: 'PUT answered p50 at half capacity',
          value: percentile(second.answerTimes(), 50),
          unit: 'ms',
        },
        { name: 'offered result rate', value: ratePerSecond, unit: '/s' },
        { name: 'results measured', value: latencies.length, unit: '' },
        exactCount('results refused', first.refused.length + second.refused.length),
        exactCount('orders without a completion PATCH', patches.missing),
        exactCount('duplicate completion PATCHes', patches.duplicates),
      ];
      const notes = [
        `capacity: ${capacityOrders} results with a PDF put at once (32 in flight), completions per second from the first PUT to the last completion PATCH. Baseline: ${capacityOrders} bare workflows with ${ACTIVITIES_TO_PATCH} no-op activities each, on their own worker, same Temporal server, same run.`,
        `latency: ${latencyOrders} other results at half the capacity (${ratePerSecond.toFixed(2)}/s), while the first group's write-back (fields, note, attachment) still runs.`,
        ...first.refused.concat(second.refused).slice(0, 3),
        machineNote(),
      ];
      return resultOf(vendorResultLatency, startedAt, params, figures, notes);
    } finally {
      await stack.close();
    }
  },
};

/** The vendor's side: an integration key, the demo package synced and enabled on the tenant. */
async function vendorFor(stack: ProductStack): Promise<GreenroomClient> {
  const key = await demoVendorKey({ apiUrl: stack.apiUrl, operatorKey: stack.operatorKey });
  const greenroom = createGreenroomClient({ baseUrl: stack.apiUrl, key });
  const pkg = await greenroom.PUT('/vendor/v1/packages/{package_id}', {
    params: { path: { package_id: DEMO_PACKAGE_ID } },
    body: demoPackage('https://vendor.example/launch'),
  });
  if (!pkg.data) throw new Error(`package sync: ${pkg.response.status} ${JSON.stringify(pkg.error)}`);
  await enableDemoVendorPackage({
    apiUrl: stack.apiUrl,
    operatorKey: stack.operatorKey,
    tenantId: stack.tenantId,
  });
  return greenroom;
}

function testsByApplication(stack: ProductStack) {
  const tests = stack.sb.admin.tests(stack.org.org.id);
  return (applicationId: number) => {
    const test = tests.find((t) => t.applicationId === applicationId && t.partnerTestId === DEMO_PACKAGE_ID);
    if (!test) throw new Error(`no Greenhouse test for application ${applicationId}`);
    return test.id;
  };
}

/** Puts each order's result (a strong candidate's, with its PDF), then waits for every PATCH. */
async function putGroup(
  stack: ProductStack,
  greenroom: GreenroomClient,
  group: { id: string; testId: number }[],
  options: { concurrency: number; ratePerSecond?: number },
) {
  const answers = Object.fromEntries(questions.map((q) => [q.id, q.answer])) as Answers;
  const result = scoreAnswers(answers, new Date(Date.now() - 60_000));
  const pdf = await reportPdf({ candidate: 'Bench Candidate', packageName: demoPackage('').name, result });
  const putStart = new Map<number, number>();
  const accepted = new Map<number, number>();
  const refused: string[] = [];
  const begin = Date.now();
  let next = 0;
  const one = async () => {
    while (next < group.length) {
      const index = next++;
      const o = group[index]!;
      if (options.ratePerSecond) {
        const due = begin + (index / options.ratePerSecond) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      putStart.set(o.testId, Date.now());
      const { data, error, response } = await greenroom.PUT('/vendor/v1/orders/{order_id}/result', {
        params: { path: { order_id: o.id } },
        ...resultWithReport(result, pdf),
      });
      if (data) accepted.set(o.testId, Date.now());
      else refused.push(`order ${o.id}: ${response.status} ${JSON.stringify(error)}`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, one));
  const firstPatch = new Map<number, number>();
  await waitFor(
    `${accepted.size} completion PATCHes`,
    async () => {
      for (const p of stack.sb.partner.patches)
        if (p.authorized && accepted.has(p.testId) && !firstPatch.has(p.testId))
          firstPatch.set(p.testId, p.at);
      return firstPatch.size >= accepted.size;
    },
    300_000 + group.length * 2000,
  );
  return {
    refused,
    putStarts: () => [...putStart.values()],
    patchTimes: () => [...firstPatch.values()],
    answerTimes: () => [...accepted].map(([test, at]) => at - putStart.get(test)!),
    latencies: () => [...accepted].map(([test, at]) => firstPatch.get(test)! - at),
  };
}

function countPatches(stack: ProductStack, orders: { testId: number }[]) {
  const perTest = new Map<number, number>();
  for (const p of stack.sb.partner.patches)
    if (p.authorized) perTest.set(p.testId, (perTest.get(p.testId) ?? 0) + 1);
  let missing = 0;
  let duplicates = 0;
  for (const o of orders) {
    const count = perTest.get(o.testId) ?? 0;
    if (count === 0) missing++;
    duplicates += Math.max(0, count - 1);
  }
  return { missing, duplicates };
}
