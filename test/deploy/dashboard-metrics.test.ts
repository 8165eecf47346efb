import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJourneyStates } from '../../observability/journey-states.js';
import {
  createApiMetrics,
  createWorkerMetrics,
  registerJourneyStateGauge,
  type WorkerMetrics,
} from '../../observability/metrics.js';
import { freePort } from '../../temporal/free-port.js';
import { testActivities } from '../helpers/activities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { parsePrometheusText, sampleValue, samplesOf, type MetricFamily } from '../helpers/prometheus.js';
import {
  connectTestClient,
  installTestRuntime,
  startTestWorker,
  type RunningTestWorker,
} from '../helpers/temporal.js';
import { readRepoFile } from './compose-reading.js';

/**
 * The Grafana dashboard (deploy/grafana/dashboards/greenroom.json) may only name metrics our
 * processes export. The names come from real scrapes: the API's registry with its journey gauge
 * over a real database, and a real worker's /metrics text with Temporal Core's metrics, after a
 * probe journey whose activity failed once (Core reports a counter only once it moved).
 */

/** Metric names a PromQL expression reads (functions, keywords, labels, ranges and strings aside). */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['by', 'without', 'and', 'or', 'unless', 'bool', 'offset', 'Inf', 'NaN']);
  return [...stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !keywords.has(m[1]!))
    .map((m) => m[1]!);
}

/**
 * Every series name a scrape declares: families, their samples, and a histogram's _bucket, _sum and
 * _count (a summary's _sum and _count), which exist as soon as the family is declared even when no
 * label set has been observed yet.
 */
const namesOf = (families: Map<string, MetricFamily>) =>
  [...families.values()].flatMap((f) => [
    f.name,
    ...f.samples.map((s) => s.name),
    ...(f.type === 'histogram' ? ['_bucket', '_sum', '_count'].map((x) => f.name + x) : []),
    ...(f.type === 'summary' ? ['_sum', '_count'].map((x) => f.name + x) : []),
  ]);

interface Panel {
  title: string;
  targets: { expr: string }[];
}
const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/greenroom.json')) as { panels: Panel[] };

describe('promqlMetricNames', () => {
  it('finds the metrics of an expression and nothing else', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{route!="/x"}[5m]))) / on (route) b_total offset 1h',
      ),
    ).toEqual(['a_seconds_bucket', 'b_total']);
    expect(promqlMetricNames('max by (kind, status) (greenroom_journeys)')).toEqual(['greenroom_journeys']);
  });
});

describe('the Grafana dashboard', () => {
  let database: TestDatabase;
  let client: Client;
  let worker: RunningTestWorker;
  let workerMetrics: WorkerMetrics;
  let exported: Set<string>;
  let apiFamilies: Map<string, MetricFamily>;
  let workerFamilies: Map<string, MetricFamily>;
  let snapshotFailures = 0;

  beforeAll(async () => {
    // Core's Prometheus exporter, as workers/runtime.ts installs it: before any connection.
    const corePort = await freePort();
    installTestRuntime({
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${corePort}` } } },
    });
    workerMetrics = createWorkerMetrics({ temporalMetricsUrl: `http://127.0.0.1:${corePort}/metrics` });
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
    client = await connectTestClient();
    const activities = testActivities(database.db);
    const record = activities.recordJourneySnapshot;
    // The first snapshot fails once, retryably: a real activity failure for Core to count.
    activities.recordJourneySnapshot = async (snapshot) => {
      if (snapshotFailures++ === 0) throw ApplicationFailure.retryable('database briefly away', 'Test');
      return record(snapshot);
    };
    worker = await startTestWorker({ activities, observe: { metrics: workerMetrics } });
    const journeyId = 'probe:system:dashboard';
    const handle = await client.workflow.start('probeJourney', {
      workflowId: journeyId,
      taskQueue: worker.taskQueue,
      args: [{ journeyId, tenantId: 'system', deadlineSeconds: 1 }],
    });
    await handle.result();

    const api = createApiMetrics();
    registerJourneyStateGauge(api.registry, () => countJourneyStates(database.db));
    apiFamilies = parsePrometheusText(await api.registry.metrics());
    workerFamilies = parsePrometheusText(await workerMetrics.scrape());
    exported = new Set([...namesOf(apiFamilies), ...namesOf(workerFamilies)]);
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await database?.drop();
  });

  it('scrapes what the panels need: journeys by state from the read model, Core counters', () => {
    expect(snapshotFailures).toBeGreaterThan(1);
    expect(sampleValue(apiFamilies, 'greenroom_journeys', { kind: 'probe', status: 'expired' })).toBe(1);
    expect(apiFamilies.get('greenroom_journeys')?.type).toBe('gauge');
    // The panel groups Core's failure counter by activity_type.
    expect(
      samplesOf(workerFamilies, 'temporal_activity_execution_failed').map((s) => s.labels.activity_type),
    ).toContain('recordJourneySnapshot');
    expect(exported).toContain('greenroom_http_request_duration_seconds_bucket');
  });

  it('scrapes the rest when the database cannot count journeys', async () => {
    const api = createApiMetrics();
    registerJourneyStateGauge(api.registry, () => Promise.reject(new Error('connection refused')));
    const families = parsePrometheusText(await api.registry.metrics());
    expect(families.get('greenroom_journeys')?.samples).toEqual([]);
    expect(families.has('greenroom_http_requests_total')).toBe(true);
  });

  it('names only metrics our processes export', () => {
    const named = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => promqlMetricNames(t.expr).map((name) => ({ panel: p.title, name }))),
    );
    expect(named.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    expect(named.filter(({ name }) => !exported.has(name))).toEqual([]);
    // The check has teeth: a name we do not export is reported.
    expect(exported.has('greenroom_harvest_429s_total')).toBe(false);
  });

  it('shows journeys by state, write-back outcomes, Harvest calls and 429s by tenant, activity failures', () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const shown = (pattern: RegExp) => exprs.some((e) => pattern.test(e));
    expect(shown(/by \(kind, status\) \(greenroom_journeys\)/)).toBe(true);
    expect(shown(/by \(step, outcome\) .*greenroom_writeback_outcomes_total/)).toBe(true);
    expect(shown(/by \(tenant, status\) .*greenroom_harvest_calls_total/)).toBe(true);
    expect(shown(/by \(tenant\) .*greenroom_harvest_rate_limited_total/)).toBe(true);
    expect(shown(/by \(activity_type\) .*temporal_activity_execution_failed/)).toBe(true);
  });
});
