import type { Clock } from './clock.js';

/**
 * Route patterns: `"GET /v1/candidates/:id"`, `"/v3/*"` (any method), `"*"` (everything but the admin
 * API). `:name` matches one path segment, a trailing `*` matches the rest.
 */
export type RoutePattern = string;

export interface FaultRule {
  id: string;
  kind: 'latency' | 'error';
  label: string;
  route: RoutePattern;
  latencyMs: number;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** calls left before the rule is spent; null = unlimited */
  remaining: number | null;
  /** epoch ms after which the rule is spent; null = never */
  until: number | null;
}

export interface FaultOutcome {
  latencyMs: number;
  error: { status: number; body: unknown; headers: Record<string, string>; label: string } | null;
}

interface Window {
  route?: RoutePattern;
  count?: number;
  durationMs?: number;
}

function compile(pattern: RoutePattern): (method: string, path: string) => boolean {
  const p = pattern.trim();
  if (p === '*' || p === '') return () => true;
  const sp = p.indexOf(' ');
  const method = sp > 0 && !p.startsWith('/') ? p.slice(0, sp).toUpperCase() : null;
  const pathPat = method ? p.slice(sp + 1).trim() : p;
  const rx = new RegExp(
    '^' +
      pathPat
        .split('/')
        .map((seg) =>
          seg === '*' ? '.*' : seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/')
        .replace(/\/\.\*$/, '(?:/.*)?') +
      '/?$',
  );
  return (m, path) => (method === null || method === m.toUpperCase()) && rx.test(path);
}

/** Fault injection: latency, 5xx bursts, 429 storms, "fail the next N calls to route R". */
export class Faults {
  private rules: (FaultRule & { match: (m: string, p: string) => boolean })[] = [];
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  private add(r: Omit<FaultRule, 'id'>): FaultRule {
    const rule = { ...r, id: `fault-${++this.seq}`, match: compile(r.route) };
    this.rules.push(rule);
    return this.view(rule);
  }

  private view(r: FaultRule): FaultRule {
    const { id, kind, label, route, latencyMs, status, body, headers, remaining, until } = r;
    return { id, kind, label, route, latencyMs, status, body, headers, remaining, until };
  }

  private window(w: Window): Pick<FaultRule, 'route' | 'remaining' | 'until'> {
    return {
      route: w.route ?? '*',
      remaining: w.count ?? null,
      until: w.durationMs !== undefined ? this.clock.now() + w.durationMs : null,
    };
  }

  addLatency(ms: number, w: Window = {}): FaultRule {
    return this.add({
      kind: 'latency',
      label: `latency ${ms}ms`,
      latencyMs: ms,
      status: 0,
      body: null,
      headers: {},
      ...this.window(w),
    });
  }

  /** Fail the next `count` calls to `route` with `status` (default 500). */
  failNext(
    route: RoutePattern,
    count: number,
    opts: { status?: number; body?: unknown; headers?: Record<string, string> } = {},
  ): FaultRule {
    const status = opts.status ?? 500;
    return this.add({
      kind: 'error',
      label: `fail next ${count} ${route} with ${status}`,
      latencyMs: 0,
      status,
      body: opts.body ?? defaultBody(status),
      headers: opts.headers ?? {},
      ...this.window({ route, count }),
    });
  }

  /** A burst of 5xx answers, for `count` calls or `durationMs`. */
  burst5xx(w: Window & { status?: number } = { count: 3 }): FaultRule {
    const status = w.status ?? 503;
    return this.add({
      kind: 'error',
      label: `5xx burst ${status}`,
      latencyMs: 0,
      status,
      body: defaultBody(status),
      headers: {},
      ...this.window(w),
    });
  }

  /** A storm of 429s with Retry-After, as when another integration of the customer eats the budget. */
  storm429(w: Window & { retryAfterS?: number } = { count: 3 }): FaultRule {
    const retry = String(w.retryAfterS ?? 1);
    return this.add({
      kind: 'error',
      label: '429 storm',
      latencyMs: 0,
      status: 429,
      body: defaultBody(429),
      headers: { 'Retry-After': retry, 'X-RateLimit-Remaining': '0' },
      ...this.window(w),
    });
  }

  remove(id: string): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < n;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    this.prune();
    return this.rules.map((r) => this.view(r));
  }

  private prune(): void {
    const now = this.clock.now();
    this.rules = this.rules.filter(
      (r) => (r.remaining === null || r.remaining > 0) && (r.until === null || now < r.until),
    );
  }

  /** Decide what happens to one call; consumes counted rules. */
  evaluate(method: string, path: string): FaultOutcome {
    this.prune();
    let latencyMs = 0;
    let error: FaultOutcome['error'] = null;
    for (const r of this.rules) {
      if (!r.match(method, path)) continue;
      if (r.kind === 'latency') {
        latencyMs += r.latencyMs;
        if (r.remaining !== null) r.remaining--;
      } else if (!error) {
        error = { status: r.status, body: r.body, headers: r.headers, label: r.label };
        if (r.remaining !== null) r.remaining--;
      }
    }
    return { latencyMs, error };
  }
}

function defaultBody(status: number): unknown {
  if (status === 429) return { message: 'Rate limit exceeded' };
  if (status >= 500) return { message: 'Internal Server Error' };
  return { message: `Injected fault ${status}` };
}
