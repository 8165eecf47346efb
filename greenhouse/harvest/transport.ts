import type { z } from 'zod';
import type { HarvestAuth } from './auth.js';
import { sha256 } from './auth.js';
import type { OperationInfo } from './errors.js';
import { HarvestError, errorFromFetchFailure, errorFromResponse } from './errors.js';
import type { BudgetInit, Permit, RateBudget } from './rate-budget.js';
import { BudgetWaitTooLong, observeHeaders } from './rate-budget.js';

/** Minimal logger (pino-compatible). Never given secrets: only operation names, statuses, waits. */
export interface HarvestLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TransportOptions {
  /** e.g. https://harvest.greenhouse.io (no trailing /v1 or /v3) */
  baseUrl: string;
  auth: HarvestAuth;
  budget: RateBudget;
  /** the rate window of this API version (v1 10 s; v3 30 s, unconfirmed) */
  windowMs: number;
  /** requests per window when known up front; otherwise learned from X-RateLimit-Limit */
  initialLimit?: number | null;
  /** per request, including reading the body (default 30 s) */
  timeoutMs?: number;
  /** attempts for 429 and, on reads, 5xx/network/timeout (default 4) */
  maxAttempts?: number;
  /** first backoff for 5xx/network retries of reads (default 500 ms, doubled per attempt) */
  retryBaseDelayMs?: number;
  /**
   * longest wait for the shared budget before failing with a retryable rate_limited error
   * (default 120 s): long pauses belong to Temporal's retry, not to a busy activity
   */
  maxBudgetWaitMs?: number;
  /** used when a 429 carries no Retry-After (default: the window) */
  defaultRetryAfterMs?: number;
  fetch?: typeof fetch;
  logger?: HarvestLogger;
  sleep?: (ms: number) => Promise<void>;
  /** Told about every HTTP exchange with Harvest (each attempt), for metrics; must not throw. */
  onResponse?: HarvestResponseObserver;
}

/** One Harvest HTTP exchange: the status, or null when no answer came (network error, timeout). */
export type HarvestResponseObserver = (event: { operation: string; status: number | null }) => void;

export interface HarvestRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** a path below baseUrl (`/v1/jobs`) or an absolute URL on the same origin (Link headers) */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export interface HarvestResponse<T> {
  data: T;
  status: number;
  /** `Link` rel="next" target, if any */
  next: string | null;
}

/** Parse an RFC 8288 `Link` header into rel → URL. */
export function parseLinkHeader(h: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const m of h.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const url = m[1];
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(params)?.[1];
    if (url !== undefined && rel) for (const r of rel.trim().split(/\s+/)) out[r.toLowerCase()] = url;
  }
  return out;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Every Harvest call goes through here: the shared rate budget (a slot before sending, the answer's
 * rate headers after), auth headers, a timeout, bounded retries (429 after Retry-After for everyone;
 * 5xx/network only for reads), one token refresh on a v3 401, error classification, zod parsing.
 */
export class HarvestTransport {
  readonly baseUrl: string;
  readonly origin: string;
  readonly budgetKey: string;
  readonly budgetInit: BudgetInit;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly defaultRetryAfterMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(readonly o: TransportOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    this.budgetKey = sha256(`${this.origin} ${o.auth.identity}`);
    this.budgetInit = { windowMs: o.windowMs, limit: o.initialLimit ?? null };
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 4);
    this.retryBaseDelayMs = o.retryBaseDelayMs ?? 500;
    this.defaultRetryAfterMs = o.defaultRetryAfterMs ?? o.windowMs;
    this.fetchFn = o.fetch ?? fetch;
    this.sleep = o.sleep ?? defaultSleep;
  }

  get auth(): HarvestAuth {
    return this.o.auth;
  }

  url(req: HarvestRequest): URL {
    const u = /^https?:\/\//i.test(req.path) ? new URL(req.path) : new URL(this.baseUrl + req.path);
    if (u.origin !== this.origin) {
      // Never send the credential to another host, whatever a Link header says.
      throw new HarvestError({
        kind: 'invalid_response',
        operation: 'link',
        message: 'Greenhouse sent a paging link to another host; it was not followed',
      });
    }
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async send<S extends z.ZodType>(
    op: OperationInfo,
    req: HarvestRequest,
    schema: S,
  ): Promise<HarvestResponse<z.output<S>>> {
    op = { ...op, auditUserId: op.auditUserId ?? this.o.auth.auditUserId };
    const url = this.url(req);
    const holdMs = this.timeoutMs + this.o.windowMs + 1_000;
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      const authHeaders = await this.o.auth.headers(op);
      let permit: Permit;
      try {
        permit = await this.o.budget.acquire(this.budgetKey, this.budgetInit, holdMs, {
          maxWaitMs: this.o.maxBudgetWaitMs ?? 120_000,
        });
      } catch (err) {
        if (!(err instanceof BudgetWaitTooLong)) throw err;
        throw new HarvestError({
          kind: 'rate_limited',
          operation: op.name,
          retryAfterMs: err.waitMs,
          message: `the Harvest rate limit of this credential is used up for another ${Math.ceil(err.waitMs / 1000)} s`,
        });
      }
      let res: Response;
      let text: string;
      try {
        res = await this.fetchFn(url, {
          method: req.method,
          headers: {
            Accept: 'application/json',
            ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...authHeaders,
          },
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        text = await res.text();
      } catch (err) {
        this.observe(op.name, null);
        await permit.settle({ answered: false });
        const e = errorFromFetchFailure(op, err, this.timeoutMs);
        if (!op.write && attempt < this.maxAttempts) {
          this.o.logger?.debug({ op: op.name, kind: e.kind, attempt }, 'harvest: retrying after a failure');
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw e;
      }
      this.observe(op.name, res.status);
      const now = Date.now();
      const obs = observeHeaders(res.headers, now);
      if (res.status === 429 && !obs.retryAfterMs) {
        // No Retry-After: wait for the window to reset (or the default) rather than spin.
        obs.retryAfterMs =
          obs.resetAtMs && obs.resetAtMs > now ? obs.resetAtMs - now : this.defaultRetryAfterMs;
      }
      await permit.settle(obs);
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      if (res.ok) {
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new HarvestError({
            kind: 'invalid_response',
            operation: op.name,
            status: res.status,
            message: `Greenhouse answered ${op.permission} with an unexpected shape${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}`,
          });
        }
        const next = parseLinkHeader(res.headers.get('link')).next ?? null;
        return { data: parsed.data, status: res.status, next };
      }
      if (
        res.status === 401 &&
        this.o.auth.version === 'v3' &&
        !refreshedToken &&
        authHeaders.Authorization
      ) {
        // An expired or revoked access token: get a new one once.
        refreshedToken = true;
        this.o.auth.invalidate(authHeaders.Authorization);
        attempt--;
        continue;
      }
      const err = errorFromResponse(op, res.status, body, obs.retryAfterMs ?? null);
      if (res.status === 429 && attempt < this.maxAttempts) {
        // The budget now blocks everyone sharing the credential until Retry-After has passed.
        this.o.logger?.warn(
          { op: op.name, retryAfterMs: obs.retryAfterMs, attempt },
          'harvest: 429, pausing the credential',
        );
        continue;
      }
      if (err.retryable && !op.write && attempt < this.maxAttempts) {
        await this.sleep(Math.max(this.backoff(attempt), obs.retryAfterMs ?? 0));
        continue;
      }
      throw err;
    }
  }

  private observe(operation: string, status: number | null): void {
    try {
      this.o.onResponse?.({ operation, status });
    } catch {
      // An observer's failure never fails a Harvest call.
    }
  }

  private backoff(attempt: number): number {
    const base = this.retryBaseDelayMs * 2 ** (attempt - 1);
    return base + Math.floor(Math.random() * (base / 4));
  }
}
