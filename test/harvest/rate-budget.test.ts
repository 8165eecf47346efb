import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, sqlPoolOf, type Database } from '../../db/client.js';
import { CAS_ATTEMPTS, PostgresRateBudgetStore } from '../../greenhouse/harvest/rate-budget-pg.js';
import type { BudgetState } from '../../greenhouse/harvest/rate-budget.js';
import {
  grant,
  MemoryRateBudgetStore,
  observeHeaders,
  parseRetryAfter,
  settle,
} from '../../greenhouse/harvest/rate-budget.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const W = 1000;
const fresh = (limit: number | null): BudgetState => ({ limit, windowMs: W, slots: [], blockedUntil: 0 });

describe('sliding-window budget (pure)', () => {
  it('grants up to the limit, then names the wait until a slot frees', () => {
    let s = fresh(3);
    for (let i = 0; i < 3; i++) {
      const d = grant(s, 1000, 5000);
      expect(d.granted).toBe(true);
      s = d.state;
    }
    const over = grant(s, 1000, 5000);
    expect(over.granted).toBe(false);
    // in flight: the pessimistic hold (grant + hold) bounds the wait
    expect(over.waitMs).toBe(5000);
    // answers turn holds into "answer + window"
    for (let i = 0; i < 3; i++) s = settle(s, 1100, { answered: true });
    expect(s.slots).toEqual([2100, 2100, 2100]);
    expect(grant(s, 2000, 5000).granted).toBe(false);
    expect(grant(s, 2000, 5000).waitMs).toBe(100);
    expect(grant(s, 2101, 5000).granted).toBe(true);
  });

  it('an unknown limit allows one request at a time until X-RateLimit-Limit arrives', () => {
    let s = fresh(null);
    const a = grant(s, 0, 5000);
    expect(a.granted).toBe(true);
    s = a.state;
    expect(grant(s, 1, 5000).granted).toBe(false);
    s = settle(s, 10, { limit: 4, remaining: 3 });
    expect(s.limit).toBe(4);
    expect(grant(s, 11, 5000).granted).toBe(true);
  });

  it('Retry-After pauses everyone; foreign use seen in X-RateLimit-Remaining takes slots until the reset', () => {
    let s = grant(fresh(5), 0, 5000).state;
    s = settle(s, 10, { limit: 5, remaining: 0, retryAfterMs: 700 });
    expect(s.blockedUntil).toBe(710);
    // 5 used by the server, 1 explained by our own slot: 4 foreign slots until now + Retry-After
    expect(s.slots.filter((x) => x === 710)).toHaveLength(4);
    expect(grant(s, 500, 5000)).toMatchObject({ granted: false, waitMs: 210 });
    expect(grant(s, 711, 5000).granted).toBe(true);
    // X-RateLimit-Reset (v3) bounds foreign slots instead
    const t = settle(grant(fresh(5), 0, 5000).state, 10, { limit: 5, remaining: 1, resetAtMs: 900 });
    expect(t.slots.filter((x) => x === 900)).toHaveLength(3);
  });

  it('the earliest in-flight hold is the one an answer releases', () => {
    let s = fresh(10);
    s = grant(s, 0, 5000).state; // hold until 5000
    s = grant(s, 100, 5000).state; // hold until 5100
    s = settle(s, 200, {}); // one answered: 5000 becomes 1200
    expect(s.slots).toEqual([1200, 5100]);
  });

  it('parses rate headers', () => {
    const h = new Headers({
      'X-RateLimit-Limit': '50',
      'X-RateLimit-Remaining': '7',
      'X-RateLimit-Reset': '1900000000',
      'Retry-After': '2',
    });
    expect(observeHeaders(h, 0)).toEqual({
      answered: true,
      limit: 50,
      remaining: 7,
      resetAtMs: 1_900_000_000_000,
      retryAfterMs: 2000,
    });
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
  });

  it('the in-memory store is atomic within a process', async () => {
    const store = new MemoryRateBudgetStore();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => store.tryAcquire('k', { windowMs: W, limit: 10 }, 5000)),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(10);
  });
});

describe('PostgreSQL budget shared by two "processes"', () => {
  let database: TestDatabase;
  let second: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    second = createDatabase({ url: database.url, poolSize: 5 });
  });
  afterAll(async () => {
    await second?.$disconnect();
    await database?.drop();
  });

  it('grants exactly the limit to 120 concurrent requests from two Prisma clients', async () => {
    const a = new PostgresRateBudgetStore(database.db);
    const b = new PostgresRateBudgetStore(second);
    const init = { windowMs: 60_000, limit: 25 };
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).tryAcquire('shared', init, 90_000)),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(25);
    const snap = await a.snapshot('shared');
    expect(snap?.slots).toHaveLength(25);
    expect(results.find((r) => !r.granted)?.waitMs).toBeGreaterThan(50_000);
  });

  it('learns the limit and Retry-After for every process, on the database clock', async () => {
    const a = new PostgresRateBudgetStore(database.db);
    const b = new PostgresRateBudgetStore(second);
    const init = { windowMs: 1000 };
    expect((await a.tryAcquire('learn', init, 5000)).granted).toBe(true);
    expect((await b.tryAcquire('learn', init, 5000)).granted).toBe(false); // unknown limit: one at a time
    await a.settle('learn', init, { limit: 3, remaining: 0, retryAfterMs: 400 });
    const blocked = await b.tryAcquire('learn', init, 5000);
    expect(blocked.granted).toBe(false);
    expect(blocked.waitMs).toBeGreaterThan(300);
    expect(blocked.waitMs).toBeLessThanOrEqual(400);
    await new Promise((r) => setTimeout(r, blocked.waitMs + 20));
    expect((await b.tryAcquire('learn', init, 5000)).granted).toBe(true);
    const snap = await b.snapshot('learn');
    expect(snap?.limit).toBe(3);
    const row = await database.db.$queryRaw<{ credential_key: string }[]>`
      SELECT credential_key FROM harvest_rate_budgets ORDER BY credential_key`;
    expect(row.map((r) => r.credential_key)).toEqual(['learn', 'shared']);
    // a row removed behind the store's back is recreated
    await database.db.$executeRaw`DELETE FROM harvest_rate_budgets WHERE credential_key = 'learn'`;
    expect((await a.tryAcquire('learn', { windowMs: 1000, limit: 2 }, 5000)).granted).toBe(true);
  });

  it('a compare-and-set that keeps losing its race falls back to the locking transaction, granting the same', async () => {
    const store = new PostgresRateBudgetStore(database.db);
    const init = { windowMs: 60_000, limit: 2 };
    expect((await store.tryAcquire('race', init, 90_000)).granted).toBe(true);
    // Another process writes the row between each read and write of this one (it only touches
    // updated_at: the state is the same, the row's version is not).
    const pool = sqlPoolOf(database.db)!;
    const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<{ rowCount: number | null }>;
    const seen = { reads: 0, writes: 0, lost: 0 };
    pool.query = (async (...args: unknown[]) => {
      const result = await query(...args);
      const text = typeof args[0] === 'string' ? args[0] : '';
      if (text.includes('AS version')) {
        seen.reads++;
        await second.$executeRaw`
          UPDATE harvest_rate_budgets SET updated_at = clock_timestamp() WHERE credential_key = 'race'`;
      } else if (text.includes('xmin = $2::xid')) {
        seen.writes++;
        if (result.rowCount === 0) seen.lost++;
      }
      return result;
    }) as unknown as typeof pool.query;
    try {
      expect((await store.tryAcquire('race', init, 90_000)).granted).toBe(true);
      expect(seen).toEqual({ reads: CAS_ATTEMPTS, writes: CAS_ATTEMPTS, lost: CAS_ATTEMPTS });
      expect((await store.tryAcquire('race', init, 90_000)).granted).toBe(false);
    } finally {
      pool.query = query as unknown as typeof pool.query;
    }
    expect((await store.snapshot('race'))?.slots).toHaveLength(2);
    // Unhindered, one compare-and-set does it.
    seen.reads = 0;
    await store.settle('race', init, { limit: 3 });
    expect((await store.tryAcquire('race', init, 90_000)).granted).toBe(true);
    expect((await store.snapshot('race'))?.slots).toHaveLength(3);
  });

  it('never grants a slot twice: 300 concurrent requests from four clients', async () => {
    const more = [
      createDatabase({ url: database.url, poolSize: 3 }),
      createDatabase({ url: database.url, poolSize: 3 }),
    ];
    try {
      const stores = [database.db, second, ...more].map((db) => new PostgresRateBudgetStore(db));
      const init = { windowMs: 60_000, limit: 40 };
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => stores[i % stores.length]!.tryAcquire('crowd', init, 90_000)),
      );
      expect(results.filter((r) => r.granted)).toHaveLength(40);
      expect((await stores[0]!.snapshot('crowd'))?.slots).toHaveLength(40);
    } finally {
      for (const db of more) await db.$disconnect();
    }
  });
});
