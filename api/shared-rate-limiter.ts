import { createHash } from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../db/client.js';
import type { FixedWindowLimiter, RateVerdict } from './rate-limit.js';

/** The table of migration 20261203130000_rate_limits (model RateLimit); the migrations own it. */
const TABLE = 'rate_limits';

export interface SharedLimiterOptions {
  db: Database;
  /** Hits allowed per key and window. */
  limit: number;
  /** Window length (default a minute). */
  windowMs?: number;
}

export interface SharedLimiter extends FixedWindowLimiter {
  /** Deletes the windows that have ended (every limiter's: they share the table); returns how many. */
  sweepExpired(): Promise<number>;
}

/**
 * A fixed-window limiter whose counts live in PostgreSQL, so every API process shares one budget
 * per key: rate-limiter-flexible's PostgreSQL store, one atomic `INSERT … ON CONFLICT … RETURNING`
 * per hit. Window ends are each process's clock (epoch ms): replicas' clocks must agree to a second.
 *
 * Keys are stored as their SHA-256: client addresses and presented keys never reach the table.
 * Ended windows are deleted at most once per window by each process, on a hit (no timer to stop),
 * so the table holds only the keys seen in about the last two windows.
 *
 * A database error (an outage included) rejects: the API answers it like any other route's
 * (503 while the database is unavailable, api/http-errors.ts); every route behind a limit needs the
 * database anyway.
 */
export function createSharedLimiter(options: SharedLimiterOptions): SharedLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const store = new RateLimiterPostgres({
    storeClient: prismaQueryClient(options.db),
    storeType: 'client',
    tableName: TABLE,
    // No DDL at runtime: the migration created the table. Expired rows: sweepExpired below.
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix: '',
    points: options.limit,
    duration: windowMs / 1000,
  });
  const rowKey = (key: string) => createHash('sha256').update(key).digest('base64url');
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

  const sweepExpired = async () =>
    (await options.db.rateLimit.deleteMany({ where: { expire: { lt: BigInt(Date.now()) } } })).count;
  let lastSweep = 0;
  const sweepNowAndThen = () => {
    if (Date.now() - lastSweep < windowMs) return;
    lastSweep = Date.now();
    // Not awaited: the request does not wait for housekeeping. A failed sweep (the database is
    // down) is retried a window later; the table only grows by the keys of that window meanwhile.
    sweepExpired().catch(() => undefined);
  };

  return {
    async hit(key): Promise<RateVerdict> {
      sweepNowAndThen();
      try {
        const res = await store.consume(rowKey(key));
        return { allowed: true, retryAfterSeconds: seconds(res.msBeforeNext) };
      } catch (err) {
        // The library rejects with the verdict when the budget is spent, with an Error otherwise.
        if (err instanceof RateLimiterRes)
          return { allowed: false, retryAfterSeconds: seconds(err.msBeforeNext) };
        throw err;
      }
    },
    async blocked(key): Promise<RateVerdict> {
      const res = await store.get(rowKey(key));
      if (!res) return { allowed: true, retryAfterSeconds: 1 };
      // Blocked once the budget is used up: the next counted hit would be refused.
      return { allowed: res.consumedPoints < options.limit, retryAfterSeconds: seconds(res.msBeforeNext) };
    },
    sweepExpired,
  };
}

/**
 * The store calls `query({ name, text, values })` as on a `pg` client; it gets our Prisma client
 * instead of a pool of its own: no extra connections per process, the outage errors every other
 * query raises (db/unavailable.ts), and unnamed statements. The library names its prepared
 * statements, which fails on the embedded PGlite of `npm start`: its one session is shared by every
 * connection, so a second connection preparing the same name is refused.
 */
function prismaQueryClient(db: Database) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(q.text, ...(q.values ?? []));
      return {
        // `expire` is a BIGINT, which Prisma returns as a BigInt; the library computes with numbers.
        rows: rows.map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
        ),
        rowCount: rows.length,
      };
    },
  };
}
