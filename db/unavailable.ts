/**
 * "The database cannot be reached right now" — as opposed to a query that is wrong. Prisma 7 with
 * the pg driver adapter reports an unreachable or restarting server in several shapes (measured
 * against a PostgreSQL that was stopped, crashed and restarted under a live client):
 *
 * - `PrismaClientKnownRequestError` P1001 "Can't reach database server" (ECONNREFUSED), also P1002
 *   (timed out), P1017 (server closed the connection); `PrismaClientInitializationError` likewise;
 * - P2010 (raw query failed) and others whose `meta.driverAdapterError.cause` is the adapter's
 *   `{ kind: 'DatabaseNotReachable' | 'ConnectionClosed' | 'SocketTimeout' | 'TooManyConnections' }`
 *   or `{ kind: 'postgres', code }` with a connection-class SQLSTATE: 08xxx, 57P01 (terminated by
 *   administrator: a fast shutdown), 57P02 (crash of another server process: an immediate
 *   shutdown), 57P03 (the database system is starting up or shutting down), 53300 (too many
 *   connections);
 * - node-postgres' own errors where we use `pg` directly: socket errors (ECONNREFUSED, ECONNRESET, …,
 *   as thrown, not as the cause of another error), a connection-class SQLSTATE, and "Connection
 *   terminated unexpectedly" / "… due to connection timeout".
 *
 * Errors are looked at down their `cause` chain (our services may wrap them).
 */

const PRISMA_UNREACHABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const ADAPTER_UNREACHABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const PG_MESSAGES = [
  /^Connection terminated unexpectedly$/,
  /^Connection terminated due to connection timeout$/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/** Whether a PostgreSQL SQLSTATE says the connection or the server is gone, not the query. */
export function isUnavailableSqlState(code: unknown): boolean {
  if (typeof code !== 'string') return false;
  return (
    code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300'
  );
}

type Loose = Record<string, unknown> & { cause?: unknown; meta?: unknown };

function isUnavailableOne(err: Loose, top: boolean): boolean {
  const name = typeof err.name === 'string' ? err.name : '';
  const code = err.code;
  if (name.startsWith('PrismaClient') && typeof code === 'string' && PRISMA_UNREACHABLE_CODES.has(code))
    return true;
  if (name === 'PrismaClientInitializationError') {
    const errorCode = (err as { errorCode?: unknown }).errorCode;
    if (typeof errorCode === 'string' && PRISMA_UNREACHABLE_CODES.has(errorCode)) return true;
  }
  // The driver adapter's error, as Prisma attaches it (meta) or as thrown (DriverAdapterError.cause).
  const adapter =
    (err.meta as { driverAdapterError?: { cause?: unknown } } | undefined)?.driverAdapterError?.cause ??
    (name === 'DriverAdapterError' ? err.cause : undefined);
  if (adapter && typeof adapter === 'object') {
    const { kind, code: sqlState, originalCode } = adapter as Record<string, unknown>;
    if (typeof kind === 'string' && ADAPTER_UNREACHABLE_KINDS.has(kind)) return true;
    if (isUnavailableSqlState(sqlState) || isUnavailableSqlState(originalCode)) return true;
  }
  // node-postgres (pg) directly. A bare socket error only as thrown (pg rejects with it as is): deeper
  // in a chain it is someone else's (fetch's `cause`), not the database's.
  if (top && typeof code === 'string' && SOCKET_CODES.has(code) && typeof err.syscall === 'string')
    return true;
  if (typeof err.severity === 'string' && isUnavailableSqlState(code)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  return PG_MESSAGES.some((re) => re.test(message));
}

/** Whether `err` (or an error it wraps) means the database is unreachable or restarting. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if (isUnavailableOne(current as Loose, depth === 0)) return true;
    if (current instanceof AggregateError && current.errors.some((e) => isDatabaseUnavailable(e)))
      return true;
    current = (current as Loose).cause;
  }
  return false;
}

/** Seconds a client should wait before trying again while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Runs `fn`, trying again (with backoff, up to `maxMs` in all) while it fails because the database
 * is unavailable; any other error, or the last one after `maxMs`, is thrown. For the write that
 * records an effect already made outside (an e-mail sent): failing it would make the effect again.
 */
export async function retryWhileDatabaseUnavailable<T>(
  fn: () => Promise<T>,
  options: { maxMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const maxMs = options.maxMs ?? 40_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + maxMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + delay > deadline) throw err;
      await sleep(delay);
    }
  }
}
