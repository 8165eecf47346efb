import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { terminalStatuses, type JourneyKind, type JourneyStatus } from '../domain/journey.js';
import { MAIL_REFUSED } from '../domain/mail-refusal.js';

/**
 * Prometheus metrics. Factories only, no global registry: every API app and every worker owns its
 * registry, so tests (and several apps in one process) never share counters.
 *
 * Labels never carry raw URLs, journey ids, tokens or personal data: routes are the matched route
 * templates (`/operator/journeys/:journeyId`), tenants are our opaque tenant ids.
 */

export const METRIC_PREFIX = 'greenroom_';

/** Latency buckets (seconds) for HTTP requests: 5 ms … 10 s. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface ApiMetrics {
  registry: Registry;
  /** Counts every request and observes its latency; mount it first. */
  middleware: RequestHandler;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

/** Route label of requests that matched no route (404s, auth failures before routing, …). */
export const UNMATCHED_ROUTE = 'unmatched';

const ROUTE = Symbol('greenroom.route');
const TEMPLATE = Symbol('greenroom.routeTemplate');
type Tracked = { [ROUTE]?: unknown; [TEMPLATE]?: string; baseUrl: string };
const trackedPrototypes = new WeakSet<object>();

/**
 * Remembers the full template of the route that handles a request. Express sets `req.route` when
 * it dispatches to a route; at that moment `req.baseUrl` is the mount path of the router holding
 * it. Both are reset as errors travel back up the routers, so they are captured here, on the set:
 * by an accessor on the app's request prototype (Express gives every request of an app the same
 * one), installed once, not one defined on every request (which cost the hottest route about a
 * tenth of its CPU, bench/test-status-load.ts).
 */
function trackRouteTemplate(req: Request): () => string {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto && !trackedPrototypes.has(proto)) {
    trackedPrototypes.add(proto);
    Object.defineProperty(proto, 'route', {
      configurable: true,
      enumerable: true,
      get(this: Tracked) {
        return this[ROUTE];
      },
      set(this: Tracked, value: unknown) {
        this[ROUTE] = value;
        const path = (value as { path?: unknown } | undefined)?.path;
        this[TEMPLATE] =
          path === undefined ? undefined : `${this.baseUrl}${typeof path === 'string' ? path : String(path)}`;
      },
    });
  }
  const tracked = req as unknown as Tracked;
  tracked[TEMPLATE] = undefined;
  return () => tracked[TEMPLATE] || UNMATCHED_ROUTE;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests answered by the API, by method, route template and status code',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request latency of the API in seconds, by method, route template and status code',
    labelNames,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    const routeOf = trackRouteTemplate(req);
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const labels = {
        method: KNOWN_METHODS.has(req.method) ? req.method : 'other',
        route: routeOf(),
        status: String(res.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    // Node emits 'close' after 'finish' for every response, and alone when the client hangs up:
    // that one still counts, with the status we were about to send. One listener, not two.
    res.once('close', record);
    next();
  };
  return { registry, middleware, requests, duration };
}

/** `GET /metrics` for a registry (mount it behind the operator key). */
export function metricsHandler(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.set('content-type', registry.contentType).send(await registry.metrics());
  };
}

/** One row of the read model's journey count by kind and status. */
export interface JourneyStateCount {
  kind: string;
  status: string;
  count: number;
}

/**
 * `greenroom_journeys{kind,status}`: journeys in the read model by their current state, counted
 * by the database at each scrape. Counters of a worker reset when it restarts and each replica sees
 * only the journeys it ran; the read model is the one place that knows every journey's state.
 * Every API replica reports the same numbers: dashboards take `max by (kind, status)`.
 */
export function registerJourneyStateGauge(
  registry: Registry,
  countJourneys: () => Promise<JourneyStateCount[]>,
): Gauge<'kind' | 'status'> {
  return new Gauge({
    name: `${METRIC_PREFIX}journeys`,
    help: 'Journeys in the read model by kind and current status (counted at each scrape)',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      // The database down must not fail the whole scrape: the series go missing for this one.
      const rows = await countJourneys().catch(() => []);
      this.reset();
      for (const { kind, status, count } of rows) this.set({ kind, status }, count);
    },
  });
}

/** The activities that write results into Greenhouse (Harvest) or call Greenhouse back. */
export const WRITEBACK_ACTIVITIES: ReadonlySet<string> = new Set([
  'writeCustomFields',
  'addResultNote',
  'attachReport',
  'moveStageOnResult',
  'sendCompletionPatch',
]);

export type WritebackOutcome = 'ok' | 'failed_retryable' | 'failed_final';

/** One Harvest HTTP exchange as the Harvest client factory reports it. */
export interface HarvestCallObservation {
  tenantId: string | null;
  /** The HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
}

export interface WorkerMetrics {
  registry: Registry;
  counters: {
    journeysStarted: Counter<'kind'>;
    journeysFinished: Counter<'kind' | 'status'>;
    writebackOutcomes: Counter<'step' | 'outcome'>;
    harvestCalls: Counter<'tenant' | 'status'>;
    harvestRateLimited: Counter<'tenant'>;
    applicationMatchGaveUp: Counter<'kind'>;
    mailRefused: Counter<'activity' | 'purpose'>;
  };
  /** Pass to the Harvest client factory (`onResponse`): counts calls and 429s by tenant. */
  observeHarvestCall(call: HarvestCallObservation): void;
  /** Activity interceptor: journeys started/finished (read-model snapshots) and write-back outcomes. */
  activityInterceptor: ActivityInterceptorsFactory;
  /**
   * Prometheus text of this registry followed by Temporal Core's metrics, fetched from the
   * loopback Prometheus exporter the Runtime was installed with (see workers/runtime.ts).
   */
  scrape(): Promise<string>;
  contentType: string;
}

export function createWorkerMetrics(options: { temporalMetricsUrl?: string | null } = {}): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counters = {
    journeysStarted: new Counter({
      name: `${METRIC_PREFIX}journeys_started_total`,
      help: 'Journeys whose first read-model snapshot was recorded, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    journeysFinished: new Counter({
      name: `${METRIC_PREFIX}journeys_finished_total`,
      help: 'Journeys that reached a terminal status (complete, expired, cancelled, failed), by kind and status',
      labelNames: ['kind', 'status'] as const,
      registers,
    }),
    writebackOutcomes: new Counter({
      name: `${METRIC_PREFIX}writeback_outcomes_total`,
      help: 'Attempts of Greenhouse write-back activities, by step and outcome (ok, failed_retryable, failed_final)',
      labelNames: ['step', 'outcome'] as const,
      registers,
    }),
    harvestCalls: new Counter({
      name: `${METRIC_PREFIX}harvest_calls_total`,
      help: 'HTTP requests sent to Greenhouse Harvest, by tenant and status code (no_answer: network error or timeout)',
      labelNames: ['tenant', 'status'] as const,
      registers,
    }),
    harvestRateLimited: new Counter({
      name: `${METRIC_PREFIX}harvest_rate_limited_total`,
      help: 'Harvest answers 429 Too Many Requests, by tenant',
      labelNames: ['tenant'] as const,
      registers,
    }),
    applicationMatchGaveUp: new Counter({
      name: `${METRIC_PREFIX}application_match_gave_up_total`,
      help: 'Vendor-mode journeys that gave up looking for the candidate’s Greenhouse application (they end failed), by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    mailRefused: new Counter({
      name: `${METRIC_PREFIX}mail_refused_total`,
      help: 'Journey e-mails the mail server refused for good (the journey waits for an operator to correct the address), by activity and purpose',
      labelNames: ['activity', 'purpose'] as const,
      registers,
    }),
  };

  const observeHarvestCall = ({ tenantId, status }: HarvestCallObservation) => {
    const tenant = tenantId ?? 'unknown';
    counters.harvestCalls.inc({ tenant, status: status === null ? 'no_answer' : String(status) });
    if (status === 429) counters.harvestRateLimited.inc({ tenant });
  };

  const countSnapshot = (input: unknown, result: unknown) => {
    if (!(result as { applied?: unknown } | undefined)?.applied) return;
    const s = input as { kind?: JourneyKind; status?: JourneyStatus; stateVersion?: number };
    if (!s.kind || !s.status) return;
    // Workflows number their snapshots from 1: the first applied one is the journey's start.
    if (s.stateVersion === 1) counters.journeysStarted.inc({ kind: s.kind });
    if (terminalStatuses.has(s.status)) counters.journeysFinished.inc({ kind: s.kind, status: s.status });
  };

  const countMailRefused = async <T>(activity: string, arg: unknown, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === MAIL_REFUSED) {
        const purpose = (arg as { purpose?: unknown } | undefined)?.purpose;
        counters.mailRefused.inc({ activity, purpose: typeof purpose === 'string' ? purpose : 'unknown' });
      }
      throw err;
    }
  };

  const activityInterceptor: ActivityInterceptorsFactory = (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const type = ctx.info.activityType;
        if (type === 'recordJourneySnapshot') {
          const result = await next(input);
          countSnapshot(input.args[0], result);
          return result;
        }
        if (type === 'recordApplicationGiveUp') {
          const result = await next(input);
          if ((result as { recorded?: unknown } | undefined)?.recorded) {
            counters.applicationMatchGaveUp.inc({ kind: String((input.args[0] as { kind?: unknown }).kind) });
          }
          return result;
        }
        if (!WRITEBACK_ACTIVITIES.has(type)) return countMailRefused(type, input.args[0], () => next(input));
        try {
          const result = await next(input);
          counters.writebackOutcomes.inc({ step: type, outcome: 'ok' });
          return result;
        } catch (err) {
          counters.writebackOutcomes.inc({ step: type, outcome: writebackFailure(err) });
          throw err;
        }
      },
    },
  });

  const temporalMetricsUrl = options.temporalMetricsUrl ?? null;
  const scrape = async () => {
    const ours = await registry.metrics();
    if (!temporalMetricsUrl) return ours;
    try {
      const res = await fetch(temporalMetricsUrl, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const core = await res.text();
      return `${ours}${ours.endsWith('\n') ? '' : '\n'}${core}${core.endsWith('\n') || !core ? '' : '\n'}`;
    } catch {
      // Our own metrics still count when Core's exporter does not answer; a comment says why.
      return `${ours}# Temporal Core metrics unavailable at this scrape\n`;
    }
  };

  return {
    registry,
    counters,
    observeHarvestCall,
    activityInterceptor,
    scrape,
    contentType: registry.contentType,
  };
}

/**
 * A failed attempt is final when Temporal will not retry it: an ApplicationFailure marked
 * nonRetryable (toActivityFailure does so for 401/403/422). Attempts that fail retryably and then
 * exhaust the workflow's retry policy still count as failed_retryable (the activity cannot see it).
 */
export function writebackFailure(err: unknown): Exclude<WritebackOutcome, 'ok'> {
  return err instanceof ApplicationFailure && err.nonRetryable ? 'failed_final' : 'failed_retryable';
}
