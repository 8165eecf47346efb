import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createSharedLimiter } from '../../api/shared-rate-limiter.js';
import { createDatabase } from '../../db/client.js';
import { startEmbeddedPostgres } from '../../db/embedded.js';
import { readMigrations } from '../../db/migrations.js';
import { spawnEntry, waitFor, type SpawnedProcess } from '../../harness/processes.js';
import { generateEncryptionKeySpec } from '../../security/secret-box.js';
import { freePort } from '../../temporal/free-port.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, TEST_PAYLOAD_KEYS_SPEC, uniqueTaskQueue } from '../helpers/temporal.js';

// Rate limits counted in PostgreSQL (api/shared-rate-limiter.ts): one budget per key for every API
// process, on the local PostgreSQL and on the embedded PGlite of `npm start`; and the client address
// they count, as TRUST_PROXY lets X-Forwarded-For decide it.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the shared limiter', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('allows `limit` hits per window and key, then refuses until the window ends', async () => {
    const limiter = createSharedLimiter({ db: database.db, limit: 2 });
    expect(await limiter.hit('a')).toMatchObject({ allowed: true });
    expect((await limiter.blocked('a')).allowed).toBe(true);
    expect(await limiter.hit('a')).toMatchObject({ allowed: true });
    expect((await limiter.blocked('a')).allowed).toBe(false);
    const refused = await limiter.hit('a');
    expect(refused.allowed).toBe(false);
    // Retry-After: the rest of the minute's window.
    expect(refused.retryAfterSeconds).toBeGreaterThan(50);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await limiter.hit('b')).toMatchObject({ allowed: true }); // another key, its own budget
    expect((await limiter.blocked('never-seen')).allowed).toBe(true);

    const short = createSharedLimiter({ db: database.db, limit: 1, windowMs: 1_000 });
    expect((await short.hit('c')).allowed).toBe(true);
    expect(await short.hit('c')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    await sleep(1_100);
    expect((await short.blocked('c')).allowed).toBe(true);
    expect((await short.hit('c')).allowed).toBe(true); // a new window
  });

  it('counts hits from two database clients at once exactly (two processes’ pools)', async () => {
    const other = createDatabase({ url: database.url, poolSize: 5 });
    try {
      const one = createSharedLimiter({ db: database.db, limit: 10 });
      const two = createSharedLimiter({ db: other, limit: 10 });
      const verdicts = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).hit('concurrent')),
      );
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
      expect(verdicts.filter((v) => !v.allowed).every((v) => v.retryAfterSeconds >= 1)).toBe(true);
    } finally {
      await other.$disconnect();
    }
  });

  it('stores hashes, never the client or a presented key, and takes keys of any length', async () => {
    const limiter = createSharedLimiter({ db: database.db, limit: 5 });
    const long = `partner-auth:${'k'.repeat(5_000)}`;
    expect((await limiter.hit(long)).allowed).toBe(true);
    expect((await limiter.hit('pages:198.51.100.77')).allowed).toBe(true);
    const keys = (await database.db.rateLimit.findMany()).map((r) => r.key);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^[\w-]{43}$/);
  });

  it('keeps the counts in an UNLOGGED table (no WAL per counted request)', async () => {
    const [table] = await database.db.$queryRaw<{ relpersistence: string }[]>`
      SELECT relpersistence::text AS relpersistence FROM pg_class WHERE relname = 'rate_limits'`;
    expect(table?.relpersistence).toBe('u');
  });

  it('deletes ended windows, and only those (bounded table)', async () => {
    const expired = () => database.db.rateLimit.count({ where: { expire: { lt: BigInt(Date.now()) } } });
    const short = createSharedLimiter({ db: database.db, limit: 5, windowMs: 200 });
    const long = createSharedLimiter({ db: database.db, limit: 5, windowMs: 60_000 });
    // Each limiter's first hit sweeps: the long one's now, the short one's before its windows end
    // (the hits go at once, and only the first sweeps).
    await long.hit('sweep-long');
    await Promise.all(Array.from({ length: 20 }, (_, i) => short.hit(`sweep-short-${i}`)));
    await sleep(300);
    expect(await expired()).toBeGreaterThanOrEqual(20);
    expect(await long.sweepExpired()).toBeGreaterThanOrEqual(20);
    expect(await expired()).toBe(0);
    // The current window survived the sweep: its count goes on.
    expect((await long.hit('sweep-long')).allowed).toBe(true);
    expect(await database.db.rateLimit.findFirst({ where: { points: 2 } })).not.toBeNull();

    // Hits sweep on their own, at most once per window per limiter: no timer, no job.
    await Promise.all(Array.from({ length: 20 }, (_, i) => short.hit(`sweep-auto-${i}`)));
    await sleep(300);
    expect(await expired()).toBeGreaterThanOrEqual(20);
    await short.hit('sweep-trigger');
    await waitFor('the sweep a hit started', async () => (await expired()) === 0, 5_000);
  });
});

describe('the shared limiter on the embedded PGlite (npm start)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'greenroom-pglite-limits-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('counts, refuses and sweeps through the socket server, from two pools', async () => {
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pglite'), port: await freePort() });
    const api1 = createDatabase({ url: server.url, poolSize: 2 });
    const api2 = createDatabase({ url: server.url, poolSize: 2 });
    try {
      // Only this table's migration: all of them take PGlite half a minute (test/db/embedded.test.ts runs them).
      const migration = (await readMigrations()).find((m) => m.name.endsWith('_rate_limits'))!;
      await api1.$executeRawUnsafe(migration.sql);
      const one = createSharedLimiter({ db: api1, limit: 3, windowMs: 60_000 });
      const two = createSharedLimiter({ db: api2, limit: 3, windowMs: 60_000 });
      const verdicts = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).hit('k')));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
      expect((await one.blocked('k')).allowed).toBe(false);
      expect((await two.blocked('other')).allowed).toBe(true);
      expect(await one.sweepExpired()).toBe(0);
    } finally {
      await api1.$disconnect();
      await api2.$disconnect();
      await server.stop();
    }
  });
});

describe('TRUST_PROXY in the app', () => {
  let database: TestDatabase;
  let temporal: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await database?.drop();
  });

  const pageStatuses = async (url: string, forwardedFor: string[]) => {
    const statuses: number[] = [];
    for (const xff of forwardedFor)
      statuses.push((await fetch(`${url}/t/unknown`, { headers: { 'x-forwarded-for': xff } })).status);
    return statuses;
  };

  it('with a hop count, the entry that many proxies back is the client', async () => {
    const api = await startTestApi({
      db: database.db,
      temporal,
      taskQueue: uniqueTaskQueue('trust'),
      rateLimits: { pagesPerMinute: 2 },
      trustProxy: 2,
    });
    try {
      // Two proxies: the socket peer and the last X-Forwarded-For entry; the one before is the client.
      const distinct = Array.from({ length: 4 }, (_, i) => `203.0.113.${i + 1}, 10.0.0.9`);
      expect(await pageStatuses(api.url, distinct)).toEqual([404, 404, 404, 404]);
      const same = Array.from({ length: 3 }, (_, i) => `192.0.2.${i + 1}, 203.0.113.200, 10.0.0.9`);
      expect(await pageStatuses(api.url, same)).toEqual([404, 404, 429]);
    } finally {
      await api.close();
    }
  });

  it('with addresses that leave out the peer, a forged header is ignored', async () => {
    const api = await startTestApi({
      db: database.db,
      temporal,
      taskQueue: uniqueTaskQueue('trust'),
      rateLimits: { pagesPerMinute: 2 },
      trustProxy: ['10.0.0.0/8'],
    });
    try {
      // The peer is 127.0.0.1, not a trusted proxy: every request counts against it.
      const forged = Array.from({ length: 3 }, (_, i) => `198.51.100.${i + 1}`);
      expect(await pageStatuses(api.url, forged)).toEqual([404, 404, 429]);
    } finally {
      await api.close();
    }
  });
});

/** This machine's first address that is not loopback: a client that is not a proxy. */
function externalAddress(): string | undefined {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  return all.find((a) => !a.internal && a.family === 'IPv4')?.address;
}

describe('two API processes on one database', () => {
  let database: TestDatabase;
  const processes: SpawnedProcess[] = [];
  let a: string;
  let b: string;
  let c: string;
  let external: string;

  // A free port can be taken by another process between the probe and the API's listen (other test
  // files run beside this one): that one case is tried again on a new port.
  const startApi = async (env: NodeJS.ProcessEnv): Promise<number> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startApiOnce(env);
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
      }
    }
  };

  const startApiOnce = async (env: NodeJS.ProcessEnv) => {
    const port = await freePort();
    const proc = spawnEntry('api/main.ts', {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('replicas'),
      SECRETS_ENCRYPTION_KEYS: generateEncryptionKeySpec('replicas1'),
      PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_SPEC,
      API_HOST: '0.0.0.0',
      API_PORT: String(port),
      PAGE_RATE_LIMIT_PER_MINUTE: '4',
      TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE: '3',
      ...env,
    });
    processes.push(proc);
    await waitFor(
      `API on port ${port}`,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`API exited early:\n${proc.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      },
      90_000,
    );
    return port;
  };

  beforeAll(async () => {
    external = externalAddress()!;
    expect(external, 'this test needs a network interface besides loopback').toBeDefined();
    database = await createTestDatabase();
    // A and B as deployed behind a proxy on the same machine (TRUST_PROXY's default, loopback); C
    // trusts a second proxy at 198.51.100.0/24 too.
    const [pa, pb, pc] = await Promise.all([
      startApi({}),
      startApi({}),
      startApi({ TRUST_PROXY: '127.0.0.0/8, 198.51.100.0/24' }),
    ]);
    [a, b, c] = [pa, pb, pc].map((p) => `http://127.0.0.1:${p}`) as [string, string, string];
  }, 120_000);
  afterAll(async () => {
    for (const p of processes) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await database?.drop();
  });

  const page = (base: string, xff?: string) =>
    fetch(`${base}/t/unknown`, { headers: xff ? { 'x-forwarded-for': xff } : {} });

  it('share one page budget per client: N allowed in all, then 429 with Retry-After from either', async () => {
    const client = '203.0.113.10';
    // Ten requests at once, five to each process: exactly the limit (4) gets through.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => page(i % 2 ? a : b, client)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    for (const base of [a, b]) {
      const refused = await page(base, client);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await refused.text()).toContain('Too many requests');
    }
    // Counted per client address as the proxy reports it: another client has its whole budget.
    expect((await page(b, '203.0.113.11')).status).toBe(404);
  });

  it('share the budget of failed partner authentications', async () => {
    const client = '203.0.113.20';
    const wrong = { authorization: `Basic ${Buffer.from('not-a-key:').toString('base64')}` };
    const call = (base: string) =>
      fetch(`${base}/partner/list_tests`, { headers: { ...wrong, 'x-forwarded-for': client } });
    expect([(await call(a)).status, (await call(b)).status, (await call(a)).status]).toEqual([401, 401, 401]);
    for (const base of [b, a]) {
      const refused = await call(base);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    }
  });

  it('count X-Forwarded-For as TRUST_PROXY says: the default ignores it from a peer that is not a proxy', async () => {
    // From this machine's external address (not loopback), a new forged address on every request:
    // A counts the peer itself, so the fifth request is refused.
    const forged = [];
    for (let i = 1; i <= 5; i++)
      forged.push((await page(`http://${external}:${new URL(a).port}`, `192.0.2.${100 + i}`)).status);
    expect(forged).toEqual([404, 404, 404, 404, 429]);

    // Through two proxies (client, 198.51.100.7): A trusts loopback only, so the client is the
    // proxy 198.51.100.7 for all; C trusts that proxy too and counts each client apart.
    const viaTwo = (n: number) => `203.0.113.${100 + n}, 198.51.100.7`;
    const fromA = [];
    for (let i = 1; i <= 5; i++) fromA.push((await page(a, viaTwo(i))).status);
    expect(fromA).toEqual([404, 404, 404, 404, 429]);
    const fromC = [];
    for (let i = 11; i <= 15; i++) fromC.push((await page(c, viaTwo(i))).status);
    expect(fromC).toEqual([404, 404, 404, 404, 404]);
    // And C shares A's count for the same client: 198.51.100.7 as the only entry is that client.
    expect((await page(c, '198.51.100.7')).status).toBe(429);
  });
});
