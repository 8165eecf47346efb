import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../db/client.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient } from '../helpers/temporal.js';
import type { Client } from '@temporalio/client';

// The operator's journey list over 1,000 journeys of two tenants: every filter and the cursor
// paging, against the real read model in PostgreSQL through the real API.
describe('operator journey list', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  const rows: Prisma.JourneyCreateManyInput[] = [];
  const HOUR = 3_600_000;
  const base = Date.parse('2026-11-01T00:00:00Z');
  const statuses = ['sent', 'in_progress', 'complete', 'expired', 'awaiting_grading'] as const;

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    for (const id of ['ten_a', 'ten_b'])
      await database.db.tenant.create({ data: { id, slug: id, name: id } });
    for (let i = 0; i < 1000; i++) {
      const createdAt = new Date(base + (i % 500) * HOUR); // pairs share a creation time: ties page by id
      rows.push({
        id: `journey-${String(i).padStart(4, '0')}`,
        tenantId: i % 4 === 0 ? 'ten_b' : 'ten_a',
        kind: i % 3 === 0 ? 'reference_check' : 'assessment',
        status: statuses[i % 5]!,
        testId: i % 2 ? 'js-basics' : 'refs',
        jobId: String(100 + (i % 7)),
        greenhouseApplicationId: String(5000 + i),
        createdAt,
        updatedAt: createdAt,
      });
    }
    await database.db.journey.createMany({ data: rows });
    api = await startTestApi({ db: database.db, temporal, taskQueue: 'unused' });
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  type Listed = { id: string; tenantId: string; kind: string; status: string; createdAt: string };
  async function all(query: string, limit = 97) {
    const seen: Listed[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api.call(
        'GET',
        `/operator/journeys?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      const body = res.body as unknown as { journeys: Listed[]; nextCursor: string | null };
      expect(body.journeys.length).toBeLessThanOrEqual(limit);
      seen.push(...body.journeys);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    return { seen, pages };
  }
  const expected = (keep: (r: Prisma.JourneyCreateManyInput, i: number) => boolean) =>
    rows.filter(keep).map((r) => r.id);
  const sameSet = (seen: Listed[], ids: string[]) => {
    expect(new Set(seen.map((j) => j.id)).size).toBe(seen.length); // no duplicates across pages
    expect(seen.map((j) => j.id).sort()).toEqual([...ids].sort());
  };

  it('pages through all 1,000 newest first, ties broken by id, each exactly once', async () => {
    const { seen, pages } = await all('');
    expect(pages).toBe(Math.ceil(1000 / 97));
    sameSet(
      seen,
      rows.map((r) => r.id),
    );
    const order = seen.map((j) => `${j.createdAt}|${j.id}`);
    expect(order).toEqual([...order].sort().reverse());
  });

  it('filters by tenant, kind, status list, test, job, application and creation range', async () => {
    sameSet(
      (await all('tenantId=ten_b')).seen,
      expected((_r, i) => i % 4 === 0),
    );
    sameSet(
      (await all('kind=reference_check')).seen,
      expected((_r, i) => i % 3 === 0),
    );
    sameSet(
      (await all('status=complete,expired')).seen,
      expected((_r, i) => i % 5 === 2 || i % 5 === 3),
    );
    sameSet(
      (await all('tenantId=ten_a&kind=assessment&status=sent&testId=js-basics&jobId=103')).seen,
      expected((r, i) => i % 4 !== 0 && i % 3 !== 0 && i % 5 === 0 && i % 2 === 1 && r.jobId === '103'),
    );
    sameSet((await all('applicationId=5123')).seen, ['journey-0123']);
    const from = new Date(base + 100 * HOUR).toISOString();
    const to = new Date(base + 110 * HOUR).toISOString();
    sameSet(
      (await all(`createdFrom=${from}&createdTo=${to}`)).seen,
      expected((_r, i) => i % 500 >= 100 && i % 500 < 110),
    );
  });

  it('finds journeys stuck for more than N hours (running, unchanged since)', async () => {
    // Everything was last updated in Nov 2026; make 3 running journeys fresh.
    await database.db.journey.updateMany({
      where: { id: { in: ['journey-0000', 'journey-0001', 'journey-0004'] } },
      data: { status: 'sent' },
    });
    const { seen } = await all('stuckHours=24&tenantId=ten_a');
    const fresh = new Set(['journey-0001']); // updated just now (ten_a); 0000 and 0004 are ten_b
    for (const j of seen) expect(['sent', 'in_progress', 'awaiting_grading']).toContain(j.status);
    expect(seen.some((j) => fresh.has(j.id))).toBe(false);
    expect(seen.length).toBe(
      rows.filter((r, i) => i % 4 !== 0 && [0, 1, 4].includes(i % 5) && r.id !== 'journey-0001').length,
    );
  });

  it('refuses bad queries with the field at fault', async () => {
    for (const [query, field] of [
      ['status=done', 'status.0'],
      ['limit=0', 'limit'],
      ['limit=500', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      ['createdFrom=yesterday', 'createdFrom'],
      ['colour=blue', 'query'],
      ['kind=interview', 'kind'],
    ] as const) {
      const res = await api.call('GET', `/operator/journeys?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body!.error!.field, query).toBe(field);
    }
  });

  it('lists no personal data', async () => {
    const res = await api.call('GET', '/operator/journeys?limit=5');
    for (const j of (res.body as unknown as { journeys: Record<string, unknown>[] }).journeys) {
      expect(Object.keys(j)).not.toEqual(
        expect.arrayContaining(['email', 'firstName', 'callbackUrl', 'sentBy']),
      );
    }
  });
});
