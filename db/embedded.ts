import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedPostgresSocketServer } from './embedded-socket.js';

/**
 * The embedded database for `npm start` without DATABASE_URL: PostgreSQL compiled to WebAssembly
 * (PGlite) served on a loopback socket, so Prisma and the migration runner reach it exactly as
 * they reach a real server. Local use only: no authentication, one client's exchange at a time
 * (db/embedded-socket.ts).
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  host?: string;
}): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  const releaseLock = await lockDataDir(`${options.dataDir}.lock`);
  try {
    const db = await PGlite.create(options.dataDir);
    const server = new EmbeddedPostgresSocketServer(db);
    await server.listen(options.port, host);
    return {
      url: `postgresql://postgres@${host}:${options.port}/postgres?sslmode=disable`,
      async stop() {
        await server.close();
        await db.close();
        await releaseLock();
      },
    };
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

/** PGlite has no data-directory lock of its own; two processes on one directory corrupt it. */
async function lockDataDir(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (pid && isAlive(pid)) {
        throw new Error(`the embedded database ${path.dirname(lockPath)} is in use by process ${pid}`, {
          cause: err,
        });
      }
      await rm(lockPath, { force: true }); // stale lock from a crashed run
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
