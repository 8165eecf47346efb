import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { Prisma } from '../db/client.js';
import { freePort } from '../temporal/free-port.js';
import { cpuShare, procStats } from '../harness/proc-stats.js';
import { spawnEntry, waitFor, type SpawnedProcess } from '../harness/processes.js';
import { HARNESS_TEST, startProductStack, type ProductStack } from '../harness/product-stack.js';
import { meetsTarget, percentile, type Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario, sharedParts } from '../harness/scenario.js';

/**
 * Issue 9, benchmark 3: Greenhouse polls test_status for every open interview, so the partner
 * endpoint must hold up under load. autocannon (from this process, on loopback) against the API
 * process with `journeys` rows in the read model, asking for random ones across all of them, versus
 * a bare Express app answering the same URL with constant JSON, spawned the same way
 * (bench/baseline/constant-json-server.ts). Same connections, duration, URLs and headers for both;
 * both warmed up first; measured one after the other, never at the same time.
 */

type Params = {
  /** Rows in the read model (journeys with their candidate rows). */
  journeys: number;
  /** Seconds of measured load on each target. */
  durationSeconds: number;
  /** Seconds of unmeasured load on each target before either is measured. */
  warmupSeconds: number;
  /** Concurrent keep-alive connections. */
  connections: number;
};

const SEED_BATCH = 1_000;

/**
 * A mix of states as Greenhouse would poll them: most open or complete, some expired or failed.
 * Deterministic per index, so every run seeds the same read model.
 */
const STATUS_CYCLE = [
  ...Array<string>(4).fill('sent'),
  ...Array<string>(3).fill('in_progress'),
  ...Array<string>(2).fill('awaiting_grading'),
  ...Array<string>(8).fill('complete'),
  ...Array<string>(2).fill('expired'),
  'failed',
] as const;

const DETAIL: Record<string, string | null> = {
  sent: 'waiting for the candidate to open the test',
  in_progress: 'waiting for the candidate to submit',
  awaiting_grading: 'waiting for a grader',
  complete: null,
  expired: 'the deadline passed before the candidate submitted',
  failed: 'Greenhouse refused the application id (404)',
};

/** Seeds the read model as send_test and the workflows would have left it; returns the ids. */
async function seedJourneys(stack: ProductStack, n: number): Promise<string[]> {
  const ids: string[] = [];
  const jobId = String(stack.candidates[0]?.jobId ?? 1);
  const now = Date.now();
  const DAY = 86_400_000;
  for (let start = 0; start < n; start += SEED_BATCH) {
    const journeys: Prisma.JourneyCreateManyInput[] = [];
    const people: Prisma.JourneyCandidateCreateManyInput[] = [];
    for (let i = start; i < Math.min(n, start + SEED_BATCH); i++) {
      const applicationId = String(900_000_000 + i);
      // journeyIdOf() for a Greenhouse-triggered assessment (journeys/start-journey.ts).
      const id = `assessment:${stack.tenantId}:app-${applicationId}:${HARNESS_TEST.testId}`;
      const status = STATUS_CYCLE[i % STATUS_CYCLE.length]!;
      const createdAt = new Date(now - ((i * 7_919) % (30 * DAY)));
      const complete = status === 'complete';
      ids.push(id);
      journeys.push({
        id,
        tenantId: stack.tenantId,
        kind: 'assessment',
        status,
        statusDetail: DETAIL[status] ?? null,
        stateVersion: complete ? 9 : 4,
        testId: HARNESS_TEST.testId,
        testVersion: 1,
        trigger: 'greenhouse',
        greenhouseApplicationId: applicationId,
        greenhouseCandidateId: String(800_000_000 + i),
        jobId,
        callbackUrl: `https://app.greenhouse.io/integrations/partner/callback/${applicationId}`,
        sentBy: 'recruiter@harness.example',
        score: complete ? (i * 37) % 101 : null,
        profileUrl: complete ? `${stack.apiUrl}/r/grr_${randomBytes(32).toString('base64url')}` : null,
        deadlineAt: new Date(createdAt.getTime() + HARNESS_TEST.deadlineDays * DAY),
        createdAt,
        completedAt: complete ? new Date(createdAt.getTime() + DAY) : null,
      });
      people.push({
        journeyId: id,
        firstName: `Candidate${i}`,
        lastName: 'Bench',
        preferredName: null,
        email: `candidate${i}@bench.example`,
        phone: null,
      });
    }
    await stack.db.journey.createMany({ data: journeys });
    await stack.db.journeyCandidate.createMany({ data: people });
  }
  // Fresh planner statistics, as a long-lived table would have.
  await stack.db.$executeRawUnsafe('ANALYZE journeys');
  return ids;
}

interface Load {
  /** 2xx responses per second over the measured window */
  rps: number;
  latenciesMs: number[];
  non2xx: number;
  errors: number;
  /** the server process's CPU, as a share of one core, over the window */
  serverCpu: number;
  /** the machine's 1-minute load average at the end of the window */
  load1: number;
}

/** One bounded autocannon run against `url`; each request asks for a random path of `paths`. */
async function load(
  url: string,
  paths: string[],
  headers: Record<string, string>,
  seconds: number,
  connections: number,
  serverPid: number | undefined,
): Promise<Load> {
  const latenciesMs: number[] = [];
  const before = serverPid ? await procStats(serverPid) : undefined;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        timeout: 5,
        headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: paths[Math.floor(Math.random() * paths.length)]! }),
          },
        ],
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latenciesMs.push(responseTime));
    timer = setTimeout(
      () => {
        instance.stop();
        reject(new Error(`autocannon against ${url} did not finish within ${seconds + 30} s`));
      },
      (seconds + 30) * 1000,
    );
  }).finally(() => clearTimeout(timer));
  const wall = (performance.now() - started) / 1000;
  const after = serverPid ? await procStats(serverPid) : undefined;
  return {
    rps: result['2xx'] / result.duration,
    latenciesMs,
    non2xx: result.non2xx,
    errors: result.errors,
    serverCpu: before && after ? cpuShare(before, after, wall) : NaN,
    load1: loadavg()[0]!,
  };
}

async function startBaseline(): Promise<{ proc: SpawnedProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnEntry('bench/baseline/constant-json-server.ts', { BASELINE_PORT: String(port) });
  await waitFor(
    `baseline server at ${url}`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`baseline server exited early:\n${proc.output()}`);
      return (await fetch(`${url}/readyz`)).ok;
    },
    60_000,
  );
  return { proc, url };
}

async function stopProcess(p: SpawnedProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const killer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  p.child.kill('SIGTERM');
  await p.exited;
  clearTimeout(killer);
}

/** Server CPU time per 2xx answer, ms. */
const cpuMsPerRequest = (l: Load) => (l.rps > 0 ? (l.serverCpu * 1000) / l.rps : 0);

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export const testStatusLoad: Scenario<Params> = {
  suite: 'bench',
  name: 'test-status-load',
  description: 'partner test_status under load vs a bare Express route returning constant JSON',
  defaults: { journeys: 10_000, durationSeconds: 10, warmupSeconds: 3, connections: 10 },
  smoke: { journeys: 200, durationSeconds: 2, warmupSeconds: 1, connections: 10 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const log = ctx.log;
    let stack: ProductStack | undefined;
    let baseline: { proc: SpawnedProcess; url: string } | undefined;
    try {
      log('starting the product stack');
      stack = await startProductStack({
        candidates: 10,
        log,
        ...sharedParts(ctx),
      });
      const seedStarted = Date.now();
      const ids = await seedJourneys(stack, params.journeys);
      log(`seeded ${ids.length} journeys in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
      baseline = await startBaseline();

      const paths = ids.map((id) => `/partner/test_status?partner_interview_id=${encodeURIComponent(id)}`);
      const headers = {
        // Greenhouse's Basic auth: the partner key as username, an empty password.
        authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}`,
        accept: 'application/json',
      };

      // The endpoint answers what was seeded (not a 404 or 401 measured at speed).
      const probe = await fetch(`${stack.apiUrl}${paths[0]}`, { headers });
      if (probe.status !== 200) throw new Error(`test_status probe: ${probe.status} ${await probe.text()}`);
      log(`probe: ${await probe.text()} (API pid ${stack.api.process?.child.pid})`);

      const apiPid = stack.api.process?.child.pid;
      const basePid = baseline.proc.child.pid;
      const targets = {
        baseline: () =>
          load(baseline!.url, paths, headers, params.durationSeconds, params.connections, basePid),
        testStatus: () =>
          load(stack!.apiUrl, paths, headers, params.durationSeconds, params.connections, apiPid),
      };
      for (const [name, url, pid] of [
        ['baseline', baseline.url, basePid],
        ['test_status', stack.apiUrl, apiPid],
      ] as const) {
        log(`warming up ${name} for ${params.warmupSeconds} s`);
        await load(url, paths, headers, params.warmupSeconds, params.connections, pid);
      }
      log(`measuring baseline for ${params.durationSeconds} s`);
      const base = await targets.baseline();
      log(`measuring test_status for ${params.durationSeconds} s`);
      const api = await targets.testStatus();
      // The same requests one at a time: the endpoint's own latency, without queueing behind others.
      const serialSeconds = Math.max(1, Math.round(params.durationSeconds / 2));
      log(`measuring test_status on 1 connection for ${serialSeconds} s`);
      const serial = await load(stack.apiUrl, paths, headers, serialSeconds, 1, apiPid);

      const figures: Figure[] = [
        {
          name: 'req/s',
          value: Math.round(api.rps),
          unit: 'req/s',
          baseline: Math.round(base.rps),
          // Issue 17: half the constant route's rate at least.
          target: { op: '>=', value: 0.5, on: 'ratio' },
        },
        { name: 'test_status p50 latency', value: round(percentile(api.latenciesMs, 50)), unit: 'ms' },
        {
          name: 'test_status p99 latency',
          value: round(percentile(api.latenciesMs, 99)),
          unit: 'ms',
          target: { op: '<=', value: 10 },
        },
        { name: 'baseline p50 latency', value: round(percentile(base.latenciesMs, 50)), unit: 'ms' },
        { name: 'baseline p99 latency', value: round(percentile(base.latenciesMs, 99)), unit: 'ms' },
        {
          name: 'test_status p50, 1 connection',
          value: round(percentile(serial.latenciesMs, 50)),
          unit: 'ms',
        },
        {
          name: 'test_status p99, 1 connection',
          value: round(percentile(serial.latenciesMs, 99)),
          unit: 'ms',
        },
        { name: 'API CPU (share of one core)', value: round(api.serverCpu), unit: '' },
        { name: 'API CPU per request', value: round(cpuMsPerRequest(api)), unit: 'ms' },
        { name: 'baseline CPU (share of one core)', value: round(base.serverCpu), unit: '' },
        { name: 'baseline CPU per request', value: round(cpuMsPerRequest(base)), unit: 'ms' },
        exactCount('non-2xx responses', api.non2xx + serial.non2xx),
        exactCount('request errors', api.errors + serial.errors),
      ];
      const notes = [
        `${api.latenciesMs.length} test_status and ${base.latenciesMs.length} baseline responses measured; ` +
          `each request asks for one of ${ids.length} journeys at random`,
        `machine: ${cpus().length} cores; 1-minute load average ${base.load1.toFixed(1)} after the baseline ` +
          `window, ${api.load1.toFixed(1)} after test_status's`,
      ];
      if (base.non2xx || base.errors) notes.push(`baseline: ${base.non2xx} non-2xx, ${base.errors} errors`);
      if (!meetsTarget(figures[0]!)) {
        notes.push(
          `req/s ratio: each test_status answer costs the API ${cpuMsPerRequest(api).toFixed(3)} ms of CPU ` +
            `(Basic auth from the key cache, one SQL read of the read model, Express and our middleware) against ` +
            `${cpuMsPerRequest(base).toFixed(3)} ms for the constant route, so with both CPU-bound the ratio ` +
            `cannot exceed about ${(cpuMsPerRequest(base) / cpuMsPerRequest(api)).toFixed(2)}; ` +
            `a CPU share under 1 means the API also waited (for PostgreSQL, or for a core on a busy machine)`,
        );
      }
      if (!meetsTarget(figures[2]!)) {
        notes.push(
          `p99: one request at a time answers in ${percentile(serial.latenciesMs, 50).toFixed(2)} ms (p50), ` +
            `${percentile(serial.latenciesMs, 99).toFixed(2)} ms (p99); under ${params.connections} connections ` +
            `the tail is queueing behind the API's single thread and the database, and grows with the machine's load`,
        );
      }
      return resultOf(this, startedAt, params, figures, notes);
    } finally {
      await stopProcess(baseline?.proc);
      await stack?.close();
    }
  },
};
