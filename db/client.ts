import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export type Database = PrismaClient;
export { Prisma } from './generated/prisma/client.js';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
}

/** Each database's node-postgres pool, the one its Prisma adapter queries through (sqlPoolOf). */
const pools = new WeakMap<Database, pg.Pool>();

/**
 * Prisma 7 with the pg driver adapter: no native query engine, so the same client runs against
 * the local PostgreSQL, production PostgreSQL and the embedded PGlite socket. The pool is ours and
 * handed to the adapter (which ends it on `$disconnect`), so a hot read that needs none of Prisma's
 * work can use the same connections (sqlPoolOf; test_status, db/repositories/journeys.ts).
 */
export function createDatabase({ url, poolSize = 10 }: DatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server ends (restart, a dropped database) is removed by the pool; the
  // adapter listens too, but only once Prisma connected: without a listener it would crash us.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({
    adapter,
    // PGlite runs one transaction at a time process-wide; queueing beats failing fast.
    transactionOptions: { maxWait: 10_000, timeout: 20_000 },
  });
  // Prisma ends the pool on $disconnect only if it connected: when only sqlPoolOf's reads used it,
  // connect once so the adapter ends it (and opens a fresh one if the client is used again).
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    await disconnect();
    if (pool.ending) return;
    try {
      await db.$connect();
      await disconnect();
    } catch {
      // Prisma could not connect (the server is gone): end the pool ourselves.
    }
    if (!pool.ending) await pool.end();
  };
  pools.set(db, pool);
  return db;
}

/**
 * The node-postgres pool under `db`, while it is open: for a few hot, fixed queries written in SQL
 * in their repository. Undefined for a client created elsewhere, or once `$disconnect` ended the
 * pool (Prisma then opens a new one of its own): callers fall back to Prisma.
 */
export function sqlPoolOf(db: Database): pg.Pool | undefined {
  const pool = pools.get(db);
  return pool && !pool.ending ? pool : undefined;
}

/** `SELECT 1` with a deadline: readiness probes must not hang on a dead pool. */
export async function pingDatabase(db: Database, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.$queryRaw`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`database did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
