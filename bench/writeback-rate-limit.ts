import { availableParallelism, loadavg } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_WINDOW_MS } from '../greenhouse/harvest/index.js';
import { sendTests, startSubmitting, waitForResults } from '../harness/journey-driver.js';
import { waitFor } from '../harness/processes.js';
import { startProductStack, type ProductStack } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import type { LoggedRequest } from '../greenhouse-sandbox/request-log.js';

/**
 * Issue 9, benchmark 2: write-back at the rate limit. `journeys` candidates get a test through a
 * recruiter's Send test (no Harvest call: the application id comes with send_test), open the invite
 * and all submit at once, so every journey reaches the write-back (custom field, note, report
 * attachment, stage check: each a few Harvest v3 calls) together and the backlog waits on the one
 * shared PostgreSQL rate budget of the tenant's credential. The sandbox limits that credential to
 * `limit` requests per fixed window of `windowSeconds`.
 *
 * Measured from the sandbox's request log, only the write-back phase (v3 requests after the last
 * submission went in, so the setup's own calls are left out): requests Greenhouse served per
 * sandbox window, over the full windows with a backlog, as a fraction of the limit; and every 429.
 */

export interface WritebackRateParams extends Record<string, number> {
  /** Journeys that complete and write back at the same time. */
  journeys: number;
  /** Harvest v3 requests per window the sandbox allows the credential. */
  limit: number;
  /**
   * The sandbox's v3 window. Our client assumes Greenhouse's v3 window (DEFAULT_WINDOW_MS.v3, 30 s,
   * unconfirmed; not configurable per tenant): another value here measures a mismatch, not the budget.
   */
  windowSeconds: number;
}

const PRODUCT_WINDOW_S = DEFAULT_WINDOW_MS.v3 / 1000;

export const writebackRateLimit: Scenario<WritebackRateParams> = {
  suite: 'bench',
  name: 'writeback-rate-limit',
  description: 'completed journeys writing back to Greenhouse through one rate-limited Harvest credential',
  // 6 Harvest calls per journey: 900 requests at 150 per 30 s ≈ 3 min of write-back, 3 full windows with a backlog.
  defaults: { journeys: 150, limit: 150, windowSeconds: PRODUCT_WINDOW_S },
  // ~60 requests at 20 per 30 s: three windows, enough for the counts and one full window.
  smoke: { journeys: 10, limit: 20, windowSeconds: PRODUCT_WINDOW_S },
  async run(params, ctx) {
    const startedAt = Date.now();
    const { journeys: m, limit, windowSeconds } = params;
    const windowMs = windowSeconds * 1000;
    const stack = await startProductStack({
      candidates: m,
      rateLimit: {
        v1: { limit: 1_000_000 },
        v3: { limit, windowMs },
        token: { limit: 1_000_000 },
      },
      ...sharedParts(ctx),
      log: ctx.log,
    });
    const temporal = new Client({
      connection: await Connection.connect({ address: stack.temporal.address }),
    });
    try {
      const candidates = stack.candidates.slice(0, m);
      const v3 = () => stack.sb.requestLog.list({ api: 'v3', direction: 'inbound' });

      // 1. Every journey invited and waiting for its candidate.
      ctx.log(`sending ${m} tests`);
      await sendTests(stack, candidates);
      await waitFor(`${m} invitations`, async () => invitesReceived(stack) >= m, 60_000 + m * 500);
      // Harvest quiet before the mark, so the setup's calls (custom fields) are not counted.
      await waitFor(
        'Harvest to be quiet',
        async () => {
          const last = v3().at(-1);
          return !last || Date.now() - last.at > 1_000;
        },
        windowMs + 30_000,
      );
      const mark = v3().at(-1)?.seq ?? 0;
      const v3Before429 = v3().filter((r) => r.status === 429).length;

      // 2. All submit at once: the write-back backlog forms.
      ctx.log(`submitting ${m} journeys`);
      const submitter = startSubmitting(stack, { concurrency: 16 });
      await waitFor(
        `${m} submissions`,
        async () => submitter.submittedAt.size + submitter.refused.length >= m,
        60_000 + m * 200,
      ).finally(() => submitter.stop());
      const lastSubmission = Math.max(...submitter.submittedAt.values());

      // 3. The write-back: ~6 calls per journey at limit/window, with room for a slow machine.
      const expectedMs = Math.ceil((7 * m) / limit) * windowMs;
      const counts = await waitForResults(stack, candidates, {
        timeoutMs: expectedMs * 2 + 120_000,
        expectPatch: true,
        onProgress: (c) =>
          ctx.log(`${c.completed}/${m} results in Greenhouse, ${v3().length} v3 requests so far`),
      });
      // The last step (stage check) follows the note and the attachment: wait for the workflows
      // (of this stack's tenant: a shared Temporal server may run other stacks' journeys).
      const running = () =>
        temporal.workflow
          .count(
            `WorkflowType = 'assessmentJourney' AND TenantId = '${stack.tenantId}' AND ExecutionStatus = 'Running'`,
          )
          .then((r) => r.count)
          .catch((err: unknown) => {
            // Without visibility, the write-back phase ends with the last request seen.
            ctx.log(`cannot count running journeys: ${(err as Error).message}`);
            return 0;
          });
      await waitFor(
        'the journeys to finish',
        async () => (await running()) === 0,
        2 * windowMs + 60_000,
      ).catch((err: unknown) => ctx.log(`journeys still running: ${(err as Error).message}`));
      // Visibility lags a little behind the last request: let it land.
      await new Promise((r) => setTimeout(r, 1_000));

      // 4. The write-back phase in the sandbox's log.
      const all = v3();
      const refusedTotal = all.filter((r) => r.status === 429).length;
      // The log is in the order answers finished; windows count arrivals.
      const phase = all.filter((r) => r.seq > mark).sort((x, y) => x.at - y.at);
      const a = analyse(phase, { limit, windowMs, backlogFrom: lastSubmission });
      const droppedLog = (stack.sb.requestLog.list()[0]?.seq ?? 1) > 1;

      const figures: Figure[] = [
        {
          name: 'served per window / limit',
          value: a.fraction,
          unit: `× ${limit}`,
          target: { op: '>=', value: 0.9 },
        },
        { name: 'full windows with a backlog', value: a.windows.length, unit: 'windows' },
        {
          name: `most requests in any ${windowSeconds} s`,
          value: a.maxSliding,
          unit: 'requests',
          target: { op: '<=', value: limit },
        },
        { name: 'write-back requests (v3)', value: phase.length, unit: 'requests' },
        { name: 'write-back duration', value: a.durationMs / 1000, unit: 's' },
        exactCount('429 answers (v3)', refusedTotal),
        exactCount('lost journeys', counts.lost),
        exactCount('duplicate notes', counts.duplicateNotes),
        exactCount('duplicate attachments', counts.duplicateAttachments),
        exactCount('duplicate completion PATCHes', counts.duplicatePatches),
      ];
      const notes = [
        `windows: served per full sandbox window with a backlog (all ${m} submissions in before it began, ≥ ${limit} write-back requests still to come after it ended): [${a.windows.join(', ')}]`,
        'The budget is a sliding window shared through PostgreSQL: a request holds its slot from before it is sent until one window after its answer, so Greenhouse can never count more than the limit of ours in any window, aligned or not; a 429 from this credential would be a defect (clock skew cannot cause one here: the database and the sandbox read the same host clock). The price is ≈ one round trip plus one poll per window, which is why the fraction is a little below 1.',
        `v3 429s before the write-back phase: ${v3Before429}; during it: ${phase.filter((r) => r.status === 429).length}.`,
        ...(windowSeconds !== PRODUCT_WINDOW_S
          ? [
              `the sandbox's window (${windowSeconds} s) is not the one our client assumes for v3 (${PRODUCT_WINDOW_S} s): a shorter window is under-used by about ${PRODUCT_WINDOW_S}/${windowSeconds}, a longer one would draw 429s.`,
            ]
          : []),
        machineNote(),
        ...(droppedLog ? ['the sandbox request log dropped its oldest entries: counts may be short'] : []),
        ...(submitter.refused.length ? [`${submitter.refused.length} submissions refused`] : []),
      ];
      return resultOf(writebackRateLimit, startedAt, params, figures, notes);
    } finally {
      await temporal.connection.close().catch(() => undefined);
      await stack.close();
    }
  },
};

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

/**
 * Served requests per sandbox window (the sandbox counts fixed windows `floor(at / window)`), over
 * the windows that lie wholly inside the phase and had a backlog: every submission was in before the
 * window began and at least `limit` requests were still to come after it ended. `phase` is sorted by
 * arrival.
 */
export function analyse(phase: LoggedRequest[], o: { limit: number; windowMs: number; backlogFrom: number }) {
  const served = phase.filter((r) => r.status !== 429);
  if (!phase.length) {
    return { fraction: NaN, windows: [] as number[], maxSliding: 0, durationMs: 0 };
  }
  const first = phase[0]!.at;
  const last = phase.at(-1)!.at;
  const windows: number[] = [];
  for (let k = Math.ceil(first / o.windowMs); (k + 1) * o.windowMs <= last; k++) {
    const start = k * o.windowMs;
    const end = start + o.windowMs;
    if (start < o.backlogFrom) continue;
    if (served.filter((r) => r.at >= end).length < o.limit) continue;
    windows.push(served.filter((r) => r.at >= start && r.at < end).length);
  }
  const fraction = windows.length ? windows.reduce((s, n) => s + n, 0) / windows.length / o.limit : NaN;
  const durationMs = last - first;
  // Every request Greenhouse saw (429s too), in any window of the same length, whatever its start.
  let maxSliding = 0;
  for (let i = 0, j = 0; i < phase.length; i++) {
    while (phase[i]!.at - phase[j]!.at >= o.windowMs) j++;
    maxSliding = Math.max(maxSliding, i - j + 1);
  }
  return { fraction, windows, maxSliding, durationMs };
}
