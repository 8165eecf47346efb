import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../db/client.js';
import { createJourneyRepository } from '../../db/repositories/journeys.js';
import { PostgresRateBudgetStore } from '../../greenhouse/harvest/rate-budget-pg.js';
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

  it('keeps concurrent clients apart: every query gets its own answer, transactions stay whole', async () => {
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'concurrent'), port });
    // Two processes' pools, as `npm start` runs the API and the worker.
    const api = createDatabase({ url: server.url, poolSize: 8 });
    const worker = createDatabase({ url: server.url, poolSize: 8 });
    try {
      await applyMigrations(server.url);
      await api.tenant.create({ data: { id: 'tc', slug: 'tc', name: 'Concurrent' } });
      const ids = Array.from({ length: 600 }, (_, i) => `j${i}`);
      await api.journey.createMany({
        data: ids.map((id, i) => ({ id, tenantId: 'tc', kind: 'assessment', status: `s${i}` })),
      });
      // Parameterised reads from both pools at once (extended protocol): each must see its own row.
      const reads = await Promise.all(
        ids.map((id, i) => (i % 2 ? api : worker).journey.findUnique({ where: { id } })),
      );
      expect(reads.map((r) => r?.status)).toEqual(ids.map((_, i) => `s${i}`));
      // Interactive transactions on both sides: no lost update, no foreign statement inside one.
      await Promise.all(
        ids.slice(0, 200).map((id, i) =>
          (i % 2 ? api : worker).$transaction(async (tx) => {
            const row = await tx.journey.findUniqueOrThrow({ where: { id } });
            await tx.journey.update({ where: { id }, data: { statusDetail: `${row.status}!` } });
          }),
        ),
      );
      const details = await api.journey.findMany({
        where: { id: { in: ids.slice(0, 200) } },
        orderBy: { id: 'asc' },
      });
      expect(details.every((d) => d.statusDetail === `${d.status}!`)).toBe(true);
      // test_status's SQL read (statusInTenant, on each database's own pool) from both pools at
      // once, several connections each: PGlite's one session must take every one of them.
      const apiJourneys = createJourneyRepository(api);
      const workerJourneys = createJourneyRepository(worker);
      const statuses = await Promise.all(
        ids.map(async (id, i) => {
          if (i % 7 === 0) await new Promise((r) => setImmediate(r));
          return (i % 2 ? apiJourneys : workerJourneys).statusInTenant(id, 'tc');
        }),
      );
      expect(statuses.map((r) => r?.status)).toEqual(ids.map((_, i) => `s${i}`));
      expect(await apiJourneys.statusInTenant(ids[0]!, 'other-tenant')).toBeNull();
      // The start path's statements gathered per turn and the rate budget's compare-and-set
      // (issue 17), from both pools at once.
      const some = ids.slice(0, 50);
      const repo = (i: number) => (i % 2 ? apiJourneys : workerJourneys);
      const reached = await Promise.all(some.map((id, i) => repo(i).reach(id)));
      expect(reached.map((r) => [r.journey.status, r.journey.tenant.id, r.candidate])).toEqual(
        some.map((_, i) => [`s${i}`, 'tc', null]),
      );
      const applied = await Promise.all(
        some.map((journeyId, i) =>
          repo(i).recordSnapshot({
            journeyId,
            tenantId: 'tc',
            kind: 'assessment',
            status: 'sent',
            stateVersion: 1,
          }),
        ),
      );
      expect(applied.every((a) => a.applied)).toBe(true);
      const budgets = [api, worker].map((db) => new PostgresRateBudgetStore(db));
      const grants = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          budgets[i % 2]!.tryAcquire('pglite', { windowMs: 60_000, limit: 20 }, 90_000),
        ),
      );
      expect(grants.filter((g) => g.granted)).toHaveLength(20);
    } finally {
      await api.$disconnect();
      await worker.$disconnect();
      await server.stop();
    }
  });
});
