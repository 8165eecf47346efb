import { countEffects, startSubmitting, uploadAndAwaitSubmissions } from '../harness/journey-driver.js';
import { startPostgresCluster } from '../harness/postgres-cluster.js';
import { HARNESS_ANSWERS, startProductStack, type ProductStack } from '../harness/product-stack.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';
import { awaitRecovery } from './restart-recovery.js';

/**
 * Fault 4 of issue 9: PostgreSQL goes down (an immediate stop: connections cut, like a crash) in the
 * middle of a run and comes back on the same port and data directory. It runs on a throw-away
 * cluster of its own (harness/postgres-cluster.ts), never on the machine's shared server. While the
 * database is down the API must answer 503 (not 500, not hang), the API and worker processes must
 * stay up, and afterwards every journey must complete exactly once.
 */
type Params = {
  journeys: number;
  /** The database is stopped once this share of the journeys has been submitted. */
  stopAtPercent: number;
  downSeconds: number;
  timeoutSeconds: number;
};

interface ProbeAnswer {
  route: string;
  /** 'no answer': none within PROBE_TIMEOUT_MS. */
  status: number | 'no connection' | 'no answer';
  startedAt: number;
  endedAt: number;
}

const PROBE_TIMEOUT_MS = 20_000;

/** Requests people and systems make, each answered once: the routes probed during the outage. */
function probes(stack: ProductStack, partnerInterviewId: string, candidateLink: string) {
  const operator = { authorization: `Bearer ${stack.operatorKey}` };
  const partner = { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` };
  return [
    { route: 'GET /readyz', request: (signal: AbortSignal) => fetch(`${stack.apiUrl}/readyz`, { signal }) },
    {
      route: 'GET /operator/journeys',
      request: (signal: AbortSignal) =>
        fetch(`${stack.apiUrl}/operator/journeys?tenantId=${stack.tenantId}`, { headers: operator, signal }),
    },
    {
      route: 'GET /partner/test_status',
      request: (signal: AbortSignal) =>
        fetch(
          `${stack.apiUrl}/partner/test_status?partner_interview_id=${encodeURIComponent(partnerInterviewId)}`,
          { headers: partner, signal },
        ),
    },
    {
      route: 'POST /t/<token>',
      request: (signal: AbortSignal) =>
        fetch(candidateLink, {
          signal,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(HARNESS_ANSWERS),
        }),
    },
  ];
}

export const databaseRestart: Scenario<Params> = {
  suite: 'faults',
  name: 'database-restart',
  description:
    'PostgreSQL is stopped (immediate) mid-run and started again: the API answers 503 meanwhile, nothing is lost, every journey completes once',
  defaults: { journeys: 300, stopAtPercent: 30, downSeconds: 10, timeoutSeconds: 600 },
  smoke: { journeys: 20, stopAtPercent: 30, downSeconds: 4, timeoutSeconds: 120 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const log = ctx.log;
    const cluster = await startPostgresCluster({ log });
    let stack: ProductStack | undefined;
    try {
      stack = await startProductStack({
        candidates: params.journeys,
        postgresAdminUrl: cluster.adminUrl,
        // The database is ours to stop; Temporal is not touched, so the suite's shared server will do.
        ...sharedParts(ctx),
        log,
      });
      const s = stack;
      const submitter = startSubmitting(s);
      try {
        const { candidates, uploadedAt: runStart } = await uploadAndAwaitSubmissions(s, submitter, {
          journeys: params.journeys,
          percent: params.stopAtPercent,
          timeoutMs: params.timeoutSeconds * 1000,
          before: 'the outage',
          log,
        });
        // Something to ask about while the database is down: a journey id, an (already used) link.
        const listed = await s.call('GET', `/operator/journeys?tenantId=${s.tenantId}`);
        const items = (listed.body.items ?? listed.body.journeys ?? []) as { id?: string }[];
        const journeyId = items[0]?.id ?? 'unknown';
        const invite = s.smtp.messages.find((m) => /:invite:1$/.test(m.idempotencyKey ?? ''));
        const link =
          /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(
            invite?.parts.find((p) => p.contentType === 'text/plain')?.body ?? '',
          )?.[1] ?? `${s.apiUrl}/t/grt_unknown`;

        const before = countEffects(s, candidates);
        log(`stopping PostgreSQL: ${submitter.submittedAt.size} submitted, ${before.completed} complete`);
        const stoppingAt = Date.now();
        await cluster.stop('immediate');
        const downAt = Date.now();

        // Probe while it is down: answers wholly inside [downAt, restartingAt] count; a request that
        // hangs shows in the slowest answer (it is waited for, at most PROBE_TIMEOUT_MS).
        const answers: ProbeAnswer[] = [];
        let probing = true;
        const routes = probes(s, journeyId, link);
        const prober = (async () => {
          while (probing) {
            await Promise.all(
              routes.map(async (r) => {
                const t0 = Date.now();
                let status: ProbeAnswer['status'];
                try {
                  const res = await r.request(AbortSignal.timeout(PROBE_TIMEOUT_MS));
                  await res.arrayBuffer();
                  status = res.status;
                } catch (err) {
                  status = (err as Error).name === 'TimeoutError' ? 'no answer' : 'no connection';
                }
                answers.push({ route: r.route, status, startedAt: t0, endedAt: Date.now() });
              }),
            );
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        await new Promise((r) => setTimeout(r, params.downSeconds * 1000));
        const restartingAt = Date.now();
        probing = false;
        await cluster.start();
        const upAt = Date.now();
        await prober;
        log(`PostgreSQL up again after ${((upAt - stoppingAt) / 1000).toFixed(1)} s`);

        const inOutage = answers.filter((a) => a.startedAt >= downAt && a.endedAt <= restartingAt);
        const non503 = inOutage.filter((a) => a.status !== 503 && a.status !== 'no connection');
        const unanswered = answers.filter(
          (a) => a.status === 'no answer' && a.startedAt >= downAt && a.startedAt < restartingAt,
        );
        const unconnected = inOutage.filter((a) => a.status === 'no connection');
        const byRoute = new Map<string, Map<string, number>>();
        for (const a of inOutage) {
          const m = byRoute.get(a.route) ?? new Map<string, number>();
          m.set(String(a.status), (m.get(String(a.status)) ?? 0) + 1);
          byRoute.set(a.route, m);
        }
        const slowest = answers
          .filter((a) => a.startedAt >= downAt && a.startedAt < restartingAt)
          .reduce((n, a) => Math.max(n, a.endedAt - a.startedAt), 0);

        const recovery = await awaitRecovery(s, candidates, submitter, {
          fault: 'outage',
          runStart,
          faultAt: stoppingAt,
          upAt,
          completedBefore: before.completed,
          timeoutMs: params.timeoutSeconds * 1000,
          log,
        });
        return resultOf(
          databaseRestart,
          startedAt,
          params,
          [
            ...recovery.journeyFigures,
            exactCount('non-503 answers during the outage', non503.length),
            recovery.exitsFigure,
            { name: 'answers during the outage', value: inOutage.length, unit: 'requests' },
            { name: 'requests not connected', value: unconnected.length, unit: 'requests' },
            exactCount('requests not answered within 20 s', unanswered.length),
            {
              name: 'slowest answer during the outage',
              value: slowest / 1000,
              unit: 's',
              target: { op: '<=', value: 5 },
            },
            ...recovery.timingFigures,
          ],
          [
            `answers during the outage by route: ${[...byRoute]
              .map(([route, m]) => `${route} ${[...m].map(([st, n]) => `${st}×${n}`).join(' ')}`)
              .join('; ')}`,
            ...(non503.length
              ? [`non-503 answers: ${JSON.stringify(non503.slice(0, 5).map((a) => [a.route, a.status]))}`]
              : []),
            'time to recover: from the database accepting connections again to the first new e-mail, accepted submission or note',
            ...recovery.notes,
          ],
        );
      } finally {
        submitter.stop();
      }
    } finally {
      await stack?.close();
      await cluster.destroy();
    }
  },
};
