import type { Database } from '../../db/client.js';
import type { BudgetInit, BudgetState, RateBudgetStore, RateObservation } from './rate-budget.js';
import { grant, settle } from './rate-budget.js';

interface Row {
  request_limit: number | null;
  window_ms: number;
  slots: unknown;
  blocked_ms: number | null;
  now_ms: number;
}

const toState = (r: Row): BudgetState => ({
  limit: r.request_limit,
  windowMs: r.window_ms,
  slots: Array.isArray(r.slots) ? r.slots.filter((s): s is number => typeof s === 'number') : [],
  blockedUntil: r.blocked_ms ?? 0,
});

class MissingRow extends Error {}

/**
 * The budget of every worker process: one row per credential in `harvest_rate_budgets`, read with
 * `SELECT … FOR UPDATE` and written back in the same short transaction, so that every grant and every
 * settle is atomic across processes. Time is the database's clock (`clock_timestamp()`), the one
 * clock all workers share. The decision itself is the pure `grant`/`settle` of rate-budget.ts.
 */
export class PostgresRateBudgetStore implements RateBudgetStore {
  private readonly known = new Set<string>();

  constructor(private readonly db: Database) {}

  private async ensure(key: string, init: BudgetInit): Promise<void> {
    if (this.known.has(key)) return;
    await this.db.$executeRaw`
      INSERT INTO harvest_rate_budgets (credential_key, request_limit, window_ms, slots, updated_at)
      VALUES (${key}, ${init.limit ?? null}::int, ${init.windowMs}::int, '[]'::jsonb, clock_timestamp())
      ON CONFLICT (credential_key) DO NOTHING`;
    this.known.add(key);
  }

  private async update<T>(
    key: string,
    init: BudgetInit,
    decide: (state: BudgetState, now: number) => { state: BudgetState; result: T },
  ): Promise<T> {
    await this.ensure(key, init);
    try {
      return await this.transact(key, init, decide);
    } catch (err) {
      if (!(err instanceof MissingRow)) throw err;
      this.known.delete(key); // deleted behind our back (e.g. a cleanup): recreate it once
      await this.ensure(key, init);
      return this.transact(key, init, decide);
    }
  }

  private transact<T>(
    key: string,
    init: BudgetInit,
    decide: (state: BudgetState, now: number) => { state: BudgetState; result: T },
  ): Promise<T> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Row[]>`
        SELECT request_limit, window_ms, slots,
               (extract(epoch FROM blocked_until) * 1000)::float8 AS blocked_ms,
               (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
          FROM harvest_rate_budgets WHERE credential_key = ${key} FOR UPDATE`;
      const row = rows[0];
      if (!row) throw new MissingRow();
      const state = toState(row);
      state.windowMs = init.windowMs;
      if (state.limit === null && init.limit) state.limit = init.limit;
      const now = Math.floor(row.now_ms);
      const { state: next, result } = decide(state, now);
      await tx.$executeRaw`
        UPDATE harvest_rate_budgets
           SET request_limit = ${next.limit}::int,
               window_ms = ${next.windowMs}::int,
               slots = ${JSON.stringify(next.slots)}::jsonb,
               blocked_until = ${next.blockedUntil > now ? new Date(next.blockedUntil) : null}::timestamptz,
               updated_at = clock_timestamp()
         WHERE credential_key = ${key}`;
      return result;
    });
  }

  tryAcquire(key: string, init: BudgetInit, holdMs: number) {
    return this.update(key, init, (s, now) => {
      const d = grant(s, now, holdMs);
      return { state: d.state, result: { granted: d.granted, waitMs: d.waitMs } };
    });
  }

  async settle(key: string, init: BudgetInit, obs: RateObservation): Promise<void> {
    await this.update(key, init, (s, now) => ({ state: settle(s, now, obs), result: undefined }));
  }

  async snapshot(key: string): Promise<BudgetState | null> {
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT request_limit, window_ms, slots,
             (extract(epoch FROM blocked_until) * 1000)::float8 AS blocked_ms,
             (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
        FROM harvest_rate_budgets WHERE credential_key = ${key}`;
    return rows[0] ? toState(rows[0]) : null;
  }
}
