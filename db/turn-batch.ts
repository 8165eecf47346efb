import type pg from 'pg';
import { sqlPoolOf, type Database } from './client.js';

/**
 * Writes (and reads) issued in the same turn of the event loop, sent as one statement at its end
 * (issue 17: a worker runs many journeys' activities at once, and a statement each was a round trip
 * and a transaction each). `flush` gets the turn's items in the order they came and answers one
 * result per item, in the same order: each caller's promise settles with its own result. A failed
 * statement wrote nothing, so every member is rejected with its error and each activity retries as
 * it did when it wrote alone. setImmediate runs after the pending network events, so a lone write
 * waits for no timer.
 */
export function perTurn<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  options: { max?: number } = {},
): (item: T) => Promise<R> {
  const max = options.max ?? 500;
  let pending: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  const run = () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    // A flush that throws synchronously rejects its members like one that rejects.
    Promise.resolve()
      .then(() => flush(batch.map((m) => m.item)))
      .then((results) => {
        if (results.length !== batch.length)
          throw new Error(`a batched write answered ${results.length} results for ${batch.length} items`);
        batch.forEach((m, k) => m.resolve(results[k]!));
      })
      .catch((err: unknown) => {
        for (const m of batch) m.reject(err);
      });
  };
  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      const size = pending.push({ item, resolve, reject });
      if (size === 1) setImmediate(run);
      else if (size >= max) run();
    });
}

/** Runs one SQL statement, answering its rows. */
export type Query = <Row>(text: string, values: unknown[]) => Promise<Row[]>;

/**
 * perTurn whose flush runs on the raw pg pool of `sqlPoolOf(db)` with unnamed statements (not
 * prepared by name: the embedded PGlite of `npm start` serves every connection from one session,
 * where two connections preparing the same name collide), none of Prisma's query building or
 * result mapping in the way. When the pool is not ours or already ended, the same statement goes
 * through Prisma's raw query instead. Write the SQL for both: parameters cast explicitly
 * (`$1::text[]`, timestamps as ISO strings), result columns of types both map alike (text, numbers,
 * booleans, timestamps, JSON, text arrays: test/db/batched-writes.test.ts compares the two).
 */
export function perTurnOnPool<T, R>(
  db: Database,
  flush: (query: Query, items: T[]) => Promise<R[]>,
  options: { max?: number } = {},
): (item: T) => Promise<R> {
  return perTurn((items) => flush(queryOf(db), items), options);
}

/** The pool's query while the pool is open, else Prisma's raw query. */
export function queryOf(db: Database): Query {
  const pool: pg.Pool | undefined = sqlPoolOf(db);
  if (pool)
    return async <Row>(text: string, values: unknown[]) => (await pool.query(text, values)).rows as Row[];
  return <Row>(text: string, values: unknown[]) => db.$queryRawUnsafe<Row[]>(text, ...values);
}

/**
 * Splits items so that no key appears twice in one part, keeping each key's items in order: one
 * statement may not update the same row twice (ON CONFLICT DO UPDATE refuses it, UPDATE … FROM
 * would apply only one), so a second write to a row goes in the next statement, as it did when
 * each write was its own.
 */
export function distinctRounds<T>(items: T[], key: (item: T) => string): { item: T; index: number }[][] {
  const rounds: { item: T; index: number }[][] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const k = key(item);
    const round = seen.get(k) ?? 0;
    seen.set(k, round + 1);
    (rounds[round] ??= []).push({ item, index });
  });
  return rounds;
}

/**
 * The parameters of a multi-row statement over `unnest($1::text[], $2::int[], …)`: one array per
 * column, in the statement's order, each a field of every row (or a value made from it). The batch
 * then sends one parameter per column and the same SQL text whatever its number of rows (a
 * parameter per value would change the text with each count and meet PostgreSQL's limit of 65,535
 * parameters).
 */
export function columnsOf<T>(
  rows: readonly T[],
  columns: readonly ((keyof T & string) | ((row: T) => unknown))[],
): unknown[][] {
  return columns.map((column) => rows.map((row) => (typeof column === 'string' ? row[column] : column(row))));
}
