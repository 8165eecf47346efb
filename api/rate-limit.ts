import type { Request, RequestHandler, Response } from 'express';
import { handle, type ErrorBody } from './http-errors.js';
import { messagePage } from './pages/html.js';
import { pageSecurityHeaders } from './pages/security-headers.js';

/**
 * A fixed-window rate limiter: at most `limit` hits per key per window (a minute by default). The
 * API's limiters keep their counts in PostgreSQL (shared-rate-limiter.ts), so every API process
 * counts against the same budget; hence the verdicts are promises.
 */
export interface FixedWindowLimiter {
  /** Counts one hit for `key`; `allowed` false once the window's budget is spent. */
  hit(key: string): Promise<RateVerdict>;
  /** Whether `key` is over its budget in the current window, without counting a hit. */
  blocked(key: string): Promise<RateVerdict>;
}

export interface RateVerdict {
  allowed: boolean;
  /** Whole seconds until the window resets (for `Retry-After`); at least 1. */
  retryAfterSeconds: number;
}

/** The client's address: Express's `req.ip`, from X-Forwarded-For only as far as TRUST_PROXY trusts (app.ts). */
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
  return handle(async (req, res, next) => {
    const verdict = await options.limiter.hit(`${options.group}:${clientIp(req)}`);
    if (verdict.allowed) return next();
    tooManyRequests(req, res, options.style, verdict.retryAfterSeconds);
  });
}

/** The limits of one app (createApp's `rateLimits`); per minute, per client IP and route group. */
export interface RateLimits {
  /** People's pages, GET and POST (PAGE_RATE_LIMIT_PER_MINUTE). */
  pagesPerMinute: number;
  /** The OAuth callback, and failed partner API authentications (TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE). */
  tokenEndpointsPerMinute: number;
  /** Window length (default a minute), shorter in tests. */
  windowMs?: number;
}

/** The defaults of config/config.ts. */
export const DEFAULT_RATE_LIMITS: RateLimits = { pagesPerMinute: 120, tokenEndpointsPerMinute: 30 };
