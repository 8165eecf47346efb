import type { Clock } from './clock.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** epoch ms at which the current window ends */
  resetAt: number;
  /** whole seconds until the window ends (for Retry-After) */
  retryAfterS: number;
}

/** Fixed-window counter per (credential, window). Greenhouse answers per key per window. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly overrides = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    public windowMs: number,
    public limit: number,
  ) {}

  /** Per-credential limit (e.g. partner integrations with a higher budget). */
  setLimit(key: string, limit: number | undefined): void {
    if (limit === undefined) this.overrides.delete(key);
    else this.overrides.set(key, limit);
  }

  hit(key: string): RateDecision {
    const now = this.clock.now();
    const limit = this.overrides.get(key) ?? this.limit;
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    let w = this.windows.get(key);
    if (!w || w.start !== start) this.windows.set(key, (w = { start, count: 0 }));
    const resetAt = start + this.windowMs;
    const retryAfterS = Math.max(1, Math.ceil((resetAt - now) / 1000));
    if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetAt, retryAfterS };
    w.count++;
    return { allowed: true, limit, remaining: limit - w.count, resetAt, retryAfterS };
  }

  reset(): void {
    this.windows.clear();
  }
}
