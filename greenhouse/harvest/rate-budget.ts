/**
 * One Harvest rate budget per customer credential, shared by everything in flight.
 *
 * The budget is a sliding window of "slots" (see README.md): a request takes a slot before it is
 * sent; the slot counts until one window after the answer arrived (while in flight it counts
 * pessimistically until `hold` ms after the grant, so a crashed worker's slot frees itself). A new
 * request is granted only while fewer than `limit` slots count and no Retry-After pause is running.
 * Because every request that Greenhouse saw in any window of length W holds a slot for the whole of
 * that window, Greenhouse can never count more than `limit` of ours in one window, whatever its
 * window alignment.
 *
 * The decision logic is pure (`grant`, `settle`) and shared by the in-memory store (one process) and
 * the PostgreSQL store (every worker process; rate-budget-pg.ts).
 */

export interface BudgetState {
  /** requests per window; null = not yet learned (one request at a time until Greenhouse tells) */
  limit: number | null;
  windowMs: number;
  /** epoch ms until which each slot counts; kept sorted ascending, expired ones dropped */
  slots: number[];
  /** epoch ms before which nobody sharing the credential calls (Retry-After) */
  blockedUntil: number;
}

/** What one Harvest answer told us about the budget. */
export interface RateObservation {
  /** X-RateLimit-Limit */
  limit?: number | null;
  /** X-RateLimit-Remaining */
  remaining?: number | null;
  /** X-RateLimit-Reset, as epoch ms */
  resetAtMs?: number | null;
  /** Retry-After (429, or 503) in ms */
  retryAfterMs?: number | null;
  /** false when no answer arrived (network error, timeout): the slot still counts for a window */
  answered?: boolean;
}

export interface GrantDecision {
  granted: boolean;
  /** when not granted: how long until the earliest moment a grant could succeed */
  waitMs: number;
  state: BudgetState;
}

const live = (slots: number[], now: number): number[] => slots.filter((s) => s > now).sort((a, b) => a - b);

/** Take a slot if the budget allows it. `holdMs` bounds how long an unanswered request keeps its slot. */
export function grant(state: BudgetState, now: number, holdMs: number): GrantDecision {
  const slots = live(state.slots, now);
  const limit = state.limit ?? 1;
  if (state.blockedUntil > now) {
    return { granted: false, waitMs: state.blockedUntil - now, state: { ...state, slots } };
  }
  if (slots.length >= limit) {
    // Sorted ascending: once slots[n - limit] expires, fewer than `limit` remain.
    const first = slots[slots.length - limit] ?? slots[0] ?? now + 1;
    return { granted: false, waitMs: Math.max(1, first - now), state: { ...state, slots } };
  }
  slots.push(now + holdMs);
  slots.sort((a, b) => a - b);
  return { granted: true, waitMs: 0, state: { ...state, slots } };
}

/**
 * A request that held a slot finished. Its pessimistic hold becomes `now + window` (the earliest
 * pessimistic slot is the one replaced: slots are interchangeable and the remaining in-flight
 * requests keep the later holds), then the answer's headers adapt the budget:
 * X-RateLimit-Limit sets the limit; X-RateLimit-Remaining below what our own slots explain adds
 * "foreign" slots until the window resets (another integration, or a worker that crashed, used the
 * key); Retry-After pauses the whole credential.
 */
export function settle(state: BudgetState, now: number, obs: RateObservation): BudgetState {
  const slots = live(state.slots, now);
  const releaseAt = now + state.windowMs;
  const i = slots.findIndex((s) => s > releaseAt);
  if (i >= 0) slots.splice(i, 1);
  slots.push(releaseAt);
  let limit = state.limit;
  if (obs.limit && obs.limit > 0) limit = obs.limit;
  let blockedUntil = state.blockedUntil;
  if (obs.retryAfterMs && obs.retryAfterMs > 0) blockedUntil = Math.max(blockedUntil, now + obs.retryAfterMs);
  if (limit !== null && obs.remaining !== undefined && obs.remaining !== null) {
    const serverUsed = limit - Math.max(0, obs.remaining);
    const ours = slots.length;
    if (serverUsed > ours) {
      const until =
        obs.resetAtMs && obs.resetAtMs > now
          ? obs.resetAtMs
          : obs.retryAfterMs && obs.retryAfterMs > 0
            ? now + obs.retryAfterMs
            : releaseAt;
      for (let k = 0; k < serverUsed - ours; k++) slots.push(until);
    }
  }
  slots.sort((a, b) => a - b);
  return { limit, windowMs: state.windowMs, slots, blockedUntil };
}

export interface BudgetInit {
  windowMs: number;
  /** a known limit (e.g. from configuration); otherwise learned from the first answer */
  limit?: number | null;
}

/** Where budgets live. Both operations are atomic per key across everyone sharing the store. */
export interface RateBudgetStore {
  tryAcquire(key: string, init: BudgetInit, holdMs: number): Promise<{ granted: boolean; waitMs: number }>;
  settle(key: string, init: BudgetInit, obs: RateObservation): Promise<void>;
  /** for tests and diagnostics */
  snapshot(key: string): Promise<BudgetState | null>;
}

/** One process: a Map, updated synchronously (atomic on Node's single thread). */
export class MemoryRateBudgetStore implements RateBudgetStore {
  private readonly states = new Map<string, BudgetState>();

  constructor(private readonly now: () => number = Date.now) {}

  private get(key: string, init: BudgetInit): BudgetState {
    let s = this.states.get(key);
    if (!s) {
      s = { limit: init.limit ?? null, windowMs: init.windowMs, slots: [], blockedUntil: 0 };
      this.states.set(key, s);
    }
    return s;
  }

  async tryAcquire(key: string, init: BudgetInit, holdMs: number) {
    const d = grant(this.get(key, init), this.now(), holdMs);
    this.states.set(key, d.state);
    return { granted: d.granted, waitMs: d.waitMs };
  }

  async settle(key: string, init: BudgetInit, obs: RateObservation) {
    this.states.set(key, settle(this.get(key, init), this.now(), obs));
  }

  async snapshot(key: string) {
    const s = this.states.get(key);
    return s ? { ...s, slots: [...s.slots] } : null;
  }
}

export class BudgetWaitTooLong extends Error {
  constructor(readonly waitMs: number) {
    super(`the shared Harvest rate budget is exhausted for another ${waitMs} ms`);
  }
}

export interface Permit {
  /** Report the answer (or its absence). Call exactly once. */
  settle(obs: RateObservation): Promise<void>;
}

export interface RateBudgetOptions {
  /** upper bound of one sleep between attempts: in-flight slots may free before their hold ends */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for a slot of a credential's budget; never spins (every wait is at least a few ms). */
export class RateBudget {
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly store: RateBudgetStore,
    opts: RateBudgetOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 200;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /**
   * Wait for a slot. With `maxWaitMs`, a wait that cannot end in time throws BudgetWaitTooLong at
   * once (an activity should fail retryably and let Temporal come back, not sit on a worker slot).
   */
  async acquire(
    key: string,
    init: BudgetInit,
    holdMs: number,
    opts: { maxWaitMs?: number; signal?: AbortSignal } = {},
  ): Promise<Permit> {
    const deadline = Date.now() + (opts.maxWaitMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      opts.signal?.throwIfAborted();
      const r = await this.store.tryAcquire(key, init, holdMs);
      if (!r.granted && Date.now() + r.waitMs > deadline) throw new BudgetWaitTooLong(r.waitMs);
      if (r.granted) {
        let settled = false;
        return {
          settle: async (obs) => {
            if (settled) return;
            settled = true;
            await this.store.settle(key, init, obs);
          },
        };
      }
      // A little jitter keeps many waiters from asking at the same instant.
      await this.sleep(Math.max(5, Math.min(r.waitMs, this.pollMs)) + Math.floor(Math.random() * 10));
    }
  }
}

/** Parse X-RateLimit-* and Retry-After headers (names are case-insensitive). */
export function observeHeaders(headers: Headers, now: number): RateObservation {
  const int = (name: string): number | null => {
    const v = headers.get(name);
    if (v === null || v.trim() === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const obs: RateObservation = { answered: true };
  const limit = int('x-ratelimit-limit');
  if (limit !== null) obs.limit = limit;
  const remaining = int('x-ratelimit-remaining');
  if (remaining !== null) obs.remaining = remaining;
  const reset = int('x-ratelimit-reset');
  // epoch seconds (v3); a small number would be "seconds from now"
  if (reset !== null) obs.resetAtMs = reset > 1e9 ? reset * 1000 : now + reset * 1000;
  const ra = parseRetryAfter(headers.get('retry-after'), now);
  if (ra !== null) obs.retryAfterMs = ra;
  return obs;
}

/** Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(v: string | null, now: number): number | null {
  if (v === null || v.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}
