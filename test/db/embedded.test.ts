import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/client.js';
import { startEmbeddedPostgres } from '../../db/embedded.js';
import { applyMigrations, readMigrations } from '../../db/migrations.js';
import { freePort } from '../../temporal/free-port.js';

// The embedded default of `npm start`: PGlite behind a socket, reached by Prisma like a real server.
describe('embedded PostgreSQL (PGlite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'greenroom-pglite-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('migrates, serves Prisma, persists across restarts and refuses a second opener', async () => {
    const dataDir = path.join(dir, 'pglite');
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    try {
      // Every migration must run on PGlite's PostgreSQL 18 as on production's 15/16.
      expect(await applyMigrations(first.url)).toEqual((await readMigrations()).map((m) => m.name));
      const db = createDatabase({ url: first.url, poolSize: 2 });
      await db.tenant.create({ data: { id: 't1', slug: 't1', name: 'Tenant One' } });
      // A unique violation must not break the next query (the socket server's maxConnections caveat).
      await expect(db.tenant.create({ data: { id: 't2', slug: 't1', name: 'dup' } })).rejects.toMatchObject({
        code: 'P2002',
      });
      expect(await db.tenant.count()).toBe(1);
      await db.$disconnect();

      await expect(startEmbeddedPostgres({ dataDir, port: await freePort() })).rejects.toThrow(
        /in use by process/,
      );
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(await applyMigrations(second.url)).toEqual([]);
      const db = createDatabase({ url: second.url, poolSize: 2 });
      expect(await db.tenant.findUnique({ where: { id: 't1' } })).toMatchObject({ name: 'Tenant One' });
      await db.$disconnect();
    } finally {
      await second.stop();
    }
  });
});
