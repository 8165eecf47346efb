import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../temporal/free-port.js';

const run = promisify(execFile);

/**
 * A throw-away PostgreSQL cluster of its own (initdb + pg_ctl, trust auth, loopback, a free port),
 * for fault scenarios that stop the database server: the machine's shared PostgreSQL is never
 * touched. The binaries run as the `postgres` user (initdb refuses root), in a temp directory it owns.
 */
export interface PostgresCluster {
  port: number;
  dataDir: string;
  /** Superuser URL on the `postgres` database (give it to startProductStack as postgresAdminUrl). */
  adminUrl: string;
  /** `immediate`: a crash (no shutdown checkpoint, connections cut); `fast`: a clean stop. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it accepts connections. */
  start(): Promise<void>;
  readonly running: boolean;
  /** Stops it (if running) and removes its directory. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's bin directory (/usr/lib/postgresql/<version>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return path.join(root, versions[0]!, 'bin');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
async function pgBin(bin: string, args: string[], timeoutMs: number): Promise<string> {
  const file = path.join(postgresBinDir(), bin);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: timeoutMs, cwd: '/' });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

async function postgresUid(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

export async function startPostgresCluster(
  options: { log?: (line: string) => void } = {},
): Promise<PostgresCluster> {
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(path.join(tmpdir(), 'greenroom-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (asRoot) {
    const { uid, gid } = await postgresUid();
    await chown(dir, uid, gid);
  }
  const port = await freePort();
  let running = false;
  try {
    await pgBin(
      'initdb',
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
      120_000,
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // Loopback only, no Unix socket in a shared place. fsync and full-page writes off: only the
  // server process is killed, never the machine, so the OS still has every write. Commits stay
  // synchronous: an immediate stop (a crash) must not lose a transaction the client saw commit.
  const serverOptions = [
    `-p ${port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    '-c shared_buffers=64MB',
  ].join(' ');
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;

  const start = async () => {
    // -w waits for the server to accept connections; -t bounds that wait.
    await pgBin(
      'pg_ctl',
      ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start'],
      90_000,
    );
    running = true;
    await waitAccepting(adminUrl, 30_000);
    log(`postgres cluster up on port ${port}`);
  };
  const stop = async (mode: 'immediate' | 'fast' = 'immediate') => {
    if (!running) return;
    await pgBin('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop'], 90_000);
    running = false;
    log(`postgres cluster stopped (${mode})`);
  };
  try {
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    dataDir,
    adminUrl,
    stop,
    start,
    get running() {
      return running;
    },
    async destroy() {
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitAccepting(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres at ${url} not accepting: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
