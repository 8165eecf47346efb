import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import { PostgresRateBudgetStore, RateBudget } from '../../greenhouse/harvest/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { sandboxClient, type Version } from './helpers.js';

const N = 10_000;
let sb: Sandbox;
let database: TestDatabase;

beforeAll(async () => {
  [sb, database] = await Promise.all([
    startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      orgs: [{ candidates: N, jobs: 6 }],
      rateLimit: { v1: { limit: 100_000, windowMs: 1000 }, v3: { limit: 100_000, windowMs: 1000 } },
    }),
    createTestDatabase(),
  ]);
});
afterAll(async () => {
  await sb?.close();
  await database?.drop();
});

describe.each<[Version, number]>([
  ['v1', 500],
  ['v3', 500],
  ['v1', 100],
  ['v3', 100],
])(`paging through ${N} seeded candidates in %s (per_page %i)`, (version, perPage) => {
  it('yields every candidate exactly once, following Link rel="next"', async () => {
    const org = sb.orgs[0]!;
    const client = sandboxClient(sb, org, version, {
      budget: new RateBudget(new PostgresRateBudgetStore(database.db)),
    });
    sb.requestLog.clear();
    const t0 = performance.now();
    const ids: number[] = [];
    for await (const c of client.listCandidates({ perPage })) ids.push(c.id);
    const ms = performance.now() - t0;
    const pages = sb.requestLog.list({ api: version, path: '/candidates' });
    console.log(
      `[harvest] ${version} per_page=${perPage}: ${ids.length} candidates in ${pages.length} pages, ${ms.toFixed(0)} ms (shared PostgreSQL budget)`,
    );
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    // v1 pages oldest first; v3 lists run by id descending
    const seeded = org.org.candidates.all().map((c) => c.id);
    expect(ids).toEqual(version === 'v3' ? seeded.reverse() : seeded);
    expect(pages).toHaveLength(N / perPage);
    expect(pages.every((p) => p.status === 200)).toBe(true);
    if (version === 'v1') {
      // the links Greenhouse sent, never pages we built: page 2..n, per_page kept
      expect(pages.map((p) => p.query.page ?? '1')).toEqual(pages.map((_, i) => String(i + 1)));
      expect(pages.every((p) => p.query.per_page === String(perPage))).toBe(true);
    } else {
      expect(pages[0]!.query).toEqual({ per_page: String(perPage) });
      // follow-ups: the cursor is the only query parameter
      for (const p of pages.slice(1)) expect(Object.keys(p.query)).toEqual(['cursor']);
    }
  });
});
