import type { Request, RequestHandler, Response } from 'express';
import type { ErrorBody } from './http-errors.js';
import { messagePage } from './pages/html.js';
import { pageSecurityHeaders } from './pages/security-headers.js';

/**
 * A fixed-window rate limiter: at most `limit` hits per key per window (a minute by default).
 *
 * IN MEMORY, PER PROCESS: every API process counts on its own, and a restart forgets the counts. With
 * N API replicas a client gets up to N × limit per window. That is enough for what it is here: a
 * brake on scripted abuse of people's pages and token endpoints (the tokens themselves are long
 * random secrets, so this is defence in depth, not what makes guessing impractical). A shared store
 * (PostgreSQL, Redis) would be needed for an exact limit across replicas.
 *
 * Memory is bounded: expired windows are swept when the table grows past `maxKeys`, and when a
 * flood of distinct keys fills it anyway the oldest entries go first.
 */
export interface FixedWindowLimiter {
  /** Counts one hit for `key`; `allowed` false once the window's budget is spent. */
  hit(key: string): RateVerdict;
  /** Whether `key` is over its budget in the current window, without counting a hit. */
  blocked(key: string): RateVerdict;
}

export interface RateVerdict {
  allowed: boolean;
  /** Whole seconds until the window resets (for `Retry-After`); at least 1. */
  retryAfterSeconds: number;
}

export interface LimiterOptions {
  limit: number;
  windowMs?: number;
  maxKeys?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export function createFixedWindowLimiter(options: LimiterOptions): FixedWindowLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 50_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();

  const sweep = (t: number) => {
    for (const [key, w] of windows) if (t - w.start >= windowMs) windows.delete(key);
    // Still full (a flood of distinct keys within one window): drop the oldest entries.
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  };
  const current = (key: string, t: number) => {
    const w = windows.get(key);
    return w && t - w.start < windowMs ? w : undefined;
  };
  const verdict = (w: { start: number; count: number } | undefined, t: number): RateVerdict => ({
    allowed: !w || w.count <= options.limit,
    retryAfterSeconds: w ? Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)) : 1,
  });

  return {
    hit(key) {
      const t = now();
      let w = current(key, t);
      if (!w) {
        if (windows.size >= maxKeys) sweep(t);
        w = { start: t, count: 0 };
        windows.delete(key); // re-insert: Map order is then the order of window starts
        windows.set(key, w);
      }
      w.count++;
      return verdict(w, t);
    },
    blocked(key) {
      const t = now();
      const w = current(key, t);
      // Blocked once the budget is used up: the next counted hit would be refused.
      return { ...verdict(w, t), allowed: !w || w.count < options.limit };
    },
  };
}

/** The client's address: Express's `req.ip` (X-Forwarded-For only from loopback, see app.ts). */
export const clientIp = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** How a refusal is answered: an HTML page for people's browsers, the JSON ErrorBody elsewhere. */
export type RateLimitStyle = 'html' | 'json';

const pageHeaders = pageSecurityHeaders();

/** Sends 429 with `Retry-After` in the given style. */
export function tooManyRequests(
  req: Request,
  res: Response,
  style: RateLimitStyle,
  retryAfterSeconds: number,
): void {
  res.status(429).set('Retry-After', String(retryAfterSeconds));
  if (style === 'json') {
    res.json({
      error: {
        code: 'rate_limited',
        message: `too many requests from this address; retry in ${retryAfterSeconds} s`,
      },
    } satisfies ErrorBody);
    return;
  }
  pageHeaders(req, res, () => undefined);
  res
    .type('html')
    .send(
      messagePage(
        'Too many requests',
        `This page was opened too often from your network. Please wait ${retryAfterSeconds} seconds and try again.`,
      ),
    );
}

/** Counts every request of a route group per client IP; 429 over the limit. */
export function rateLimit(options: {
  limiter: FixedWindowLimiter;
  /** Keys are `<group>:<ip>`: one budget per route group and client. */
  group: string;
  style: RateLimitStyle;
}): RequestHandler {
  return (req, res, next) => {
    const verdict = options.limiter.hit(`${options.group}:${clientIp(req)}`);
    if (verdict.allowed) return next();
    tooManyRequests(req, res, options.style, verdict.retryAfterSeconds);
  };
}

/** The limits of one app (createApp's `rateLimits`); per minute, per client IP and route group. */
export interface RateLimits {
  /** People's pages, GET and POST (PAGE_RATE_LIMIT_PER_MINUTE). */
  pagesPerMinute: number;
  /** The OAuth callback, and failed partner API authentications (TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE). */
  tokenEndpointsPerMinute: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

/** The defaults of config/config.ts. */
export const DEFAULT_RATE_LIMITS: RateLimits = { pagesPerMinute: 120, tokenEndpointsPerMinute: 30 };
