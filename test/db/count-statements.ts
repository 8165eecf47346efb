import { sqlPoolOf, type Database } from '../../db/client.js';

/**
 * Counts the statements sent through a database's pool until stop(): how the batched-write tests
 * see that one turn's writes went as one statement.
 */
export function countStatements(db: Database) {
  const pool = sqlPoolOf(db)!;
  let count = 0;
  const query = pool.query.bind(pool);
  pool.query = ((...args: Parameters<typeof pool.query>) => {
    count++;
    return (query as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.query;
  return {
    stop() {
      pool.query = query;
      return count;
    },
  };
}
