import type pg from 'pg';
import { sqlPoolOf, type Database } from '../../db/client.js';
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

/** The batch's decisions, in order, on the row as read: the state to write and each result. */
function decideAll(row: Row, batch: Op[]) {
  let next = toState(row);
  const now = Math.floor(row.now_ms);
  const results: unknown[] = [];
  for (const op of batch) {
    next.windowMs = op.init.windowMs;
    if (next.limit === null && op.init.limit) next.limit = op.init.limit;
    const decided = op.decide(next, now);
    next = { ...decided.state, slots: [...decided.state.slots] };
    results.push(decided.result);
  }
  return { next, now, results };
}

/** One queued operation on a key's row (PostgresRateBudgetStore.update). */
interface Op {
  init: BudgetInit;
  decide: (state: BudgetState, now: number) => { state: BudgetState; result: unknown };
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

/** Operations applied in one transaction at most (a bound on how long the row stays locked). */
const MAX_BATCH = 100;

/** Compare-and-set attempts lost to another process before the locking transaction takes over. */
export const CAS_ATTEMPTS = 3;

/**
 * The compare-and-set's two statements (unnamed, for PGlite's one session). The row's version is
 * its `xmin`: every UPDATE writes a new row version with the updating transaction's id, so an
 * unchanged xmin means nobody wrote the row since it was read (no schema change needed).
 */
const CAS_READ = `
  SELECT xmin::text AS version, request_limit, window_ms, slots,
         (extract(epoch FROM blocked_until) * 1000)::float8 AS blocked_ms,
         (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
    FROM harvest_rate_budgets WHERE credential_key = $1`;
const CAS_WRITE = `
  UPDATE harvest_rate_budgets
     SET request_limit = $3::int, window_ms = $4::int, slots = $5::jsonb,
         blocked_until = $6::timestamptz, updated_at = clock_timestamp()
   WHERE credential_key = $1 AND xmin = $2::xid`;

/**
 * The budget of every worker process: one row per credential in `harvest_rate_budgets`, changed
 * atomically across processes: read, then written back only if nobody wrote it meanwhile (a
 * compare-and-set on the raw pool, two statements and no transaction to hold: issue 17); after
 * CAS_ATTEMPTS lost races, or without a pool of ours, read with `SELECT … FOR UPDATE` and written
 * back in one short transaction. Time is the database's clock (`clock_timestamp()`), the one
 * clock all workers share. The decision itself is the pure `grant`/`settle` of rate-budget.ts.
 */
export class PostgresRateBudgetStore implements RateBudgetStore {
  private readonly known = new Set<string>();
  private readonly queues = new Map<string, { ops: Op[]; draining: boolean }>();

  constructor(private readonly db: Database) {}

  private async ensure(key: string, init: BudgetInit): Promise<void> {
    if (this.known.has(key)) return;
    await this.db.$executeRaw`
      INSERT INTO harvest_rate_budgets (credential_key, request_limit, window_ms, slots, updated_at)
      VALUES (${key}, ${init.limit ?? null}::int, ${init.windowMs}::int, '[]'::jsonb, clock_timestamp())
      ON CONFLICT (credential_key) DO NOTHING`;
    this.known.add(key);
  }

  /**
   * Runs `decide` on the key's row atomically. Operations of this process on the same key queue
   * up, and each transaction applies every one queued meanwhile, in order, to the row it locked
   * (then writes it once): the same decisions as one transaction each, one after the other, which
   * is what the row lock made of concurrent ones anyway, for one round of statements instead of
   * one per operation (issue 17: a journey's application search is two Harvest calls, four
   * budget operations).
   */
  private update<T>(
    key: string,
    init: BudgetInit,
    decide: (state: BudgetState, now: number) => { state: BudgetState; result: T },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) this.queues.set(key, (queue = { ops: [], draining: false }));
      queue.ops.push({
        init,
        decide: decide as Op['decide'],
        resolve: resolve as Op['resolve'],
        reject,
      });
      if (!queue.draining) void this.drain(key, queue);
    });
  }

  private async drain(key: string, queue: { ops: Op[]; draining: boolean }): Promise<void> {
    queue.draining = true;
    try {
      while (queue.ops.length) {
        const batch = queue.ops.splice(0, MAX_BATCH);
        try {
          const results = await this.transactOnce(key, batch);
          batch.forEach((op, k) => op.resolve(results[k]));
        } catch (err) {
          for (const op of batch) op.reject(err);
        }
      }
    } finally {
      queue.draining = false;
      if (!queue.ops.length) this.queues.delete(key);
    }
  }

  private async transactOnce(key: string, batch: Op[]): Promise<unknown[]> {
    const init = batch[0]!.init;
    await this.ensure(key, init);
    try {
      return await this.apply(key, batch);
    } catch (err) {
      if (!(err instanceof MissingRow)) throw err;
      this.known.delete(key); // deleted behind our back (e.g. a cleanup): recreate it once
      await this.ensure(key, init);
      return this.apply(key, batch);
    }
  }

  /** Compare-and-set while races are won, the locking transaction after CAS_ATTEMPTS lost ones. */
  private async apply(key: string, batch: Op[]): Promise<unknown[]> {
    const pool = sqlPoolOf(this.db);
    for (let attempt = 0; pool && attempt < CAS_ATTEMPTS; attempt++) {
      const done = await this.compareAndSet(pool, key, batch);
      if (done) return done;
    }
    return this.transact(key, batch);
  }

  /** The batch applied to the row as read, if the row is still that version; null: lost the race. */
  private async compareAndSet(pool: pg.Pool, key: string, batch: Op[]): Promise<unknown[] | null> {
    const { rows } = await pool.query<Row & { version: string }>(CAS_READ, [key]);
    const row = rows[0];
    if (!row) throw new MissingRow();
    const { next, now, results } = decideAll(row, batch);
    const { rowCount } = await pool.query(CAS_WRITE, [
      key,
      row.version,
      next.limit,
      next.windowMs,
      JSON.stringify(next.slots),
      next.blockedUntil > now ? new Date(next.blockedUntil).toISOString() : null,
    ]);
    return rowCount === 1 ? results : null;
  }

  private transact(key: string, batch: Op[]): Promise<unknown[]> {
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Row[]>`
        SELECT request_limit, window_ms, slots,
               (extract(epoch FROM blocked_until) * 1000)::float8 AS blocked_ms,
               (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms
          FROM harvest_rate_budgets WHERE credential_key = ${key} FOR UPDATE`;
      const row = rows[0];
      if (!row) throw new MissingRow();
      const { next, now, results } = decideAll(row, batch);
      await tx.$executeRaw`
        UPDATE harvest_rate_budgets
           SET request_limit = ${next.limit}::int,
               window_ms = ${next.windowMs}::int,
               slots = ${JSON.stringify(next.slots)}::jsonb,
               blocked_until = ${next.blockedUntil > now ? new Date(next.blockedUntil) : null}::timestamptz,
               updated_at = clock_timestamp()
         WHERE credential_key = ${key}`;
      return results;
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
