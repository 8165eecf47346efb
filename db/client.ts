import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export type Database = PrismaClient;
export { Prisma } from './generated/prisma/client.js';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
}

/**
 * Prisma 7 with the pg driver adapter: no native query engine, so the same client runs against
 * the local PostgreSQL, production PostgreSQL and the embedded PGlite socket.
 */
export function createDatabase({ url, poolSize = 10 }: DatabaseOptions): Database {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize });
  return new PrismaClient({
    adapter,
    // PGlite runs one transaction at a time process-wide; queueing beats failing fast.
    transactionOptions: { maxWait: 10_000, timeout: 20_000 },
  });
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
