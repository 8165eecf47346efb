import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import type { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import { MemoryRateBudgetStore } from '../../greenhouse/harvest/index.js';
import { logActivityFailures } from '../../observability/activity-log.js';
import { startHealthServer } from '../../observability/health-server.js';
import { createWorkerMetrics, type WorkerMetrics } from '../../observability/metrics.js';
import { freePort } from '../../temporal/free-port.js';
import { harvestClientFactory } from '../../tenants/harvest-clients.js';
import { completeProbeUpdate } from '../../workflows/probe/messages.js';
import { testActivities } from '../helpers/activities.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { parsePrometheusText, PrometheusFormatError, sampleValue, samplesOf } from '../helpers/prometheus.js';
import {
  connectTestClient,
  installTestRuntime,
  startTestWorker,
  type RunningTestWorker,
} from '../helpers/temporal.js';

const auth = { authorization: `Bearer ${TEST_OPERATOR_KEY}` };

describe('the Prometheus text parser (test helper)', () => {
  it('reads HELP, TYPE, escaped label values and special values', () => {
    const families = parsePrometheusText(
      [
        '# HELP a_total Requests with a \\\\ and a\\nnewline',
        '# TYPE a_total counter',
        'a_total{path="/x\\"y\\\\z\\n",code="200",} 3 1700000000000',
        '# a plain comment',
        '# TYPE g gauge',
        'g NaN',
        'g{x="1"} -Inf',
        'g{x="2"} 1.5e3',
        'g{x="3"} Nan',
        '# TYPE h histogram',
        'h_bucket{le="0.5"} 1',
        'h_bucket{le="+Inf"} 2',
        'h_sum 0.7',
        'h_count 2',
        '',
      ].join('\n'),
    );
    expect(families.get('a_total')).toMatchObject({
      type: 'counter',
      help: 'Requests with a \\ and a\nnewline',
    });
    expect(sampleValue(families, 'a_total', { path: '/x"y\\z\n', code: '200' })).toBe(3);
    expect(sampleValue(families, 'g')).toBeNaN();
    expect(sampleValue(families, 'g', { x: '1' })).toBe(-Infinity);
    expect(sampleValue(families, 'g', { x: '2' })).toBe(1500);
    expect(sampleValue(families, 'g', { x: '3' })).toBeNaN(); // Go's ParseFloat: any case
    expect(families.get('h')?.samples).toHaveLength(4);
  });

  it.each([
    ['a bad metric name', '1abc 1\n'],
    ['an unquoted label value', 'a{b=c} 1\n'],
    ['an unknown escape', 'a{b="\\t"} 1\n'],
    ['a duplicate label', 'a{b="1",b="2"} 1\n'],
    ['a value that is no number', 'a 1,5\n'],
    ['a missing value', 'a{b="1"}\n'],
    ['two TYPE lines', '# TYPE a counter\n# TYPE a counter\na 1\n'],
    ['an unknown type', '# TYPE a meter\na 1\n'],
    ['TYPE after samples', 'a 1\n# TYPE a counter\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['a duplicate series', 'a{b="1"} 1\na{b="1"} 2\n'],
    ['a family split in two', 'a 1\nb 1\na{c="1"} 1\n'],
    ['no trailing newline', 'a 1'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      'a decreasing histogram',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ['+Inf bucket ≠ _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
    ['a histogram without _sum', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n'],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow(PrometheusFormatError);
  });
});

describe('API /metrics', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    api = await startTestApi({ db: database.db, temporal, taskQueue: 'metrics-test-unused' });
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('requires the operator key', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
  });

  it('parses as Prometheus text and counts requests by route template, never by raw URL', async () => {
    expect((await fetch(`${api.url}/operator/journeys/some-id-7f3a`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${api.url}/no/such/page/secret-token-123`)).status).toBe(404);
    const res = await fetch(`${api.url}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = parsePrometheusText(text);

    const journey = { method: 'GET', route: '/operator/journeys/:journeyId', status: '404' };
    expect(sampleValue(families, 'greenroom_http_requests_total', journey)).toBe(1);
    expect(sampleValue(families, 'greenroom_http_request_duration_seconds_count', journey)).toBe(1);
    expect(families.get('greenroom_http_request_duration_seconds')?.type).toBe('histogram');
    expect(
      sampleValue(families, 'greenroom_http_requests_total', {
        method: 'GET',
        route: 'unmatched',
        status: '404',
      }),
    ).toBe(1);
    // Ids and tokens from URLs never become label values.
    expect(text).not.toMatch(/some-id-7f3a|secret-token-123/);
    // Default process metrics are there too.
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('worker metrics', () => {
  let database: TestDatabase;
  let client: Client;
  let worker: RunningTestWorker;
  let metrics: WorkerMetrics;
  let health: Server;
  let healthUrl: string;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    // Core's Prometheus exporter, as workers/runtime.ts installs it: before any connection.
    const corePort = await freePort();
    installTestRuntime({
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } },
    });
    metrics = createWorkerMetrics({ temporalMetricsUrl: `http://127.0.0.1:${corePort}/metrics` });
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
    client = await connectTestClient();
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          logLines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    );
    worker = await startTestWorker({ activities: testActivities(database.db), observe: { metrics, log } });
    const port = await freePort();
    health = await startHealthServer({
      port,
      host: '127.0.0.1',
      isReady: () => true,
      metrics: { scrape: metrics.scrape, contentType: metrics.contentType, bearerToken: TEST_OPERATOR_KEY },
    });
    healthUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    health?.close();
    await worker?.stop();
    await client?.connection.close();
    await database?.drop();
  });

  const scrape = async () => {
    const res = await fetch(`${healthUrl}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return { text, families: parsePrometheusText(text) };
  };

  it('serves /metrics next to /healthz, behind the operator key', async () => {
    expect((await fetch(`${healthUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${healthUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${healthUrl}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
  });

  it('counts probe journeys started and finished by kind, with Temporal Core metrics in the same scrape', async () => {
    const start = (journeyId: string, deadlineSeconds: number) =>
      client.workflow.start('probeJourney', {
        workflowId: journeyId,
        taskQueue: worker.taskQueue,
        args: [{ journeyId, tenantId: 'system', deadlineSeconds }],
      });
    const completing = await start('probe:system:metrics-complete', 600);
    const expiring = await start('probe:system:metrics-expire', 1);
    for (let i = 0; i < 100; i++) {
      const row = await database.db.journey.findUnique({ where: { id: 'probe:system:metrics-complete' } });
      if (row?.status === 'in_progress') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await completing.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'ops' }] });
    await completing.result();
    await expiring.result();

    const { text, families } = await scrape();
    expect(sampleValue(families, 'greenroom_journeys_started_total', { kind: 'probe' })).toBe(2);
    expect(
      sampleValue(families, 'greenroom_journeys_finished_total', { kind: 'probe', status: 'complete' }),
    ).toBe(1);
    expect(
      sampleValue(families, 'greenroom_journeys_finished_total', { kind: 'probe', status: 'expired' }),
    ).toBe(1);
    // Temporal Core's own metrics (workers/runtime.ts), e.g. workflow completions and task latencies.
    const core = [...families.keys()].filter((name) => name.startsWith('temporal_'));
    expect(core.length).toBeGreaterThan(5);
    expect(core).toContain('temporal_workflow_completed');
    expect(text).not.toMatch(/Temporal Core metrics unavailable/);
    // Journey ids never become labels.
    expect(text).not.toMatch(/metrics-complete|metrics-expire/);
  });

  it('counts write-back outcomes by step: ok, failed_retryable, failed_final', async () => {
    const fresh = createWorkerMetrics();
    const run = (activityType: string, outcome: () => Promise<unknown>) => {
      const ctx = { info: { activityType, attempt: 1 } } as unknown as Context;
      return fresh.activityInterceptor(ctx).inbound!.execute!({ args: [], headers: {} }, outcome).catch(
        () => null,
      );
    };
    await run('writeCustomFields', async () => 'done');
    await run('writeCustomFields', async () => {
      throw ApplicationFailure.retryable('Greenhouse answered 503', 'HarvestError');
    });
    await run('attachReport', async () => {
      throw ApplicationFailure.nonRetryable('Greenhouse refused the credential', 'HarvestError');
    });
    await run('sendCompletionPatch', async () => {
      throw new Error('connection reset');
    });
    await run('sendCandidateInvite', async () => 'not a write-back');
    const families = parsePrometheusText(await fresh.scrape());
    const outcome = (step: string, outcome: string) =>
      sampleValue(families, 'greenroom_writeback_outcomes_total', { step, outcome });
    expect(outcome('writeCustomFields', 'ok')).toBe(1);
    expect(outcome('writeCustomFields', 'failed_retryable')).toBe(1);
    expect(outcome('attachReport', 'failed_final')).toBe(1);
    expect(outcome('sendCompletionPatch', 'failed_retryable')).toBe(1);
    expect(samplesOf(families, 'greenroom_writeback_outcomes_total')).toHaveLength(4);
  });

  it('logs one line per failed activity attempt with journey and tenant ids, never arguments or e-mails', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    );
    const ctx = {
      info: { activityType: 'sendCandidateInvite', attempt: 3, workflowExecution: { workflowId: 'wf-1' } },
    } as unknown as Context;
    const input = {
      args: [{ journeyId: 'j-1', tenantId: 't-1', candidateEmail: 'ana@candidates.example', name: 'Ana Li' }],
      headers: {},
    };
    await expect(
      logActivityFailures(log)(ctx).inbound!.execute!(input, async () => {
        throw ApplicationFailure.retryable('550 mailbox ana@candidates.example unavailable', 'MailError');
      }),
    ).rejects.toThrow(/550/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'activity attempt failed',
      journeyId: 'j-1',
      tenantId: 't-1',
      activity: 'sendCandidateInvite',
      attempt: 3,
      failure: { type: 'MailError', nonRetryable: false, message: '550 mailbox [email] unavailable' },
    });
    expect(JSON.stringify(lines)).not.toMatch(/ana@|Ana Li/);
    // The real worker ran the probes above without failures: nothing logged there.
    expect(logLines).toEqual([]);
  });

  describe('Harvest calls and 429s by tenant', () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await startSandbox({
        // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
        v1: 'live',
        orgs: [{ candidates: 3 }],
        rateLimit: { v1: { limit: 1000, windowMs: 1000 }, v3: { limit: 1000, windowMs: 1000 } },
      });
    });
    afterAll(async () => sb?.close());

    it('counts every exchange and every 429 under the tenant the client works for', async () => {
      const clientFor = harvestClientFactory(new MemoryRateBudgetStore(), {
        timeoutMs: 5_000,
        onResponse: metrics.observeHarvestCall,
      });
      const org = sb.orgs[0]!;
      const client = clientFor(
        {
          kind: 'v1_key',
          harvestBaseUrl: sb.url,
          apiKey: org.credentials.v1.key,
          auditUserId: String(org.siteAdmin.id),
        },
        { tenantId: 'tenant-metrics' },
      );
      const application = org.org.applications.all()[0]!;
      await client.getApplication(application.id);
      sb.faults.storm429({ route: 'GET /v1/applications/:id', count: 2, retryAfterS: 1 });
      await client.getApplication(application.id); // two 429s, each waited out, then 200

      const { families } = await scrape();
      const calls = (status: string) =>
        sampleValue(families, 'greenroom_harvest_calls_total', { tenant: 'tenant-metrics', status });
      expect(calls('200')).toBe(2);
      expect(calls('429')).toBe(2);
      expect(
        sampleValue(families, 'greenroom_harvest_rate_limited_total', { tenant: 'tenant-metrics' }),
      ).toBe(2);
      expect(sb.requestLog.list({ api: 'v1', status: 429 })).toHaveLength(2);
    });
  });
});
