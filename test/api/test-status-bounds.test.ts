import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createJourneyRepository, type JourneyRepository } from '../../db/repositories/journeys.js';
import { sealReportLink } from '../../journeys/links.js';
import { hashToken } from '../../security/tokens.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, uniqueTaskQueue } from '../helpers/temporal.js';

type Api = Awaited<ReturnType<typeof startTestApi>>;

// test_status's lean path (api/partner/key-cache.ts, the read model's primary-key read) over real
// HTTP on a real PostgreSQL: how long a revoked key or a new result takes to show, against the
// documented bounds (the key cache's TTL; none for results, which are never cached).
describe('test_status: the bounds of its lean path', () => {
  const TTL_MS = 1_500;
  const tenantId = 'ten_bounds';
  const key = 'grpk_bounds_0123456789abcdef0123456789';
  let database: TestDatabase;
  let temporal: Client;
  let api: Api;
  let journeys: JourneyRepository;

  const testStatus = async (id: string, k = key) => {
    const res = await fetch(`${api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(id)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${k}:`).toString('base64')}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const newJourney = async (id: string, owner = tenantId) => {
    await journeys.create(
      {
        id,
        tenantId: owner,
        kind: 'assessment',
        testId: 'test-1',
        testVersion: 1,
        trigger: 'greenhouse',
        greenhouseApplicationId: '101',
        greenhouseCandidateId: '201',
        jobId: null,
        callbackUrl: null,
        sentBy: null,
      },
      { firstName: 'Ada', lastName: 'L', preferredName: null, email: 'ada@example.com', phone: null },
    );
  };
  const snapshot = (
    id: string,
    stateVersion: number,
    status: 'in_progress' | 'complete',
    score: number | null,
  ) =>
    journeys.recordSnapshot({
      journeyId: id,
      tenantId,
      kind: 'assessment',
      status,
      statusDetail: null,
      stateVersion,
      testId: 'test-1',
      deadlineAt: null,
      completedAt: status === 'complete' ? new Date().toISOString() : null,
      greenhouseApplicationId: '101',
      scorePercent: score,
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    journeys = createJourneyRepository(database.db);
    temporal = await connectTestClient();
    api = await startTestApi({
      db: database.db,
      temporal,
      taskQueue: uniqueTaskQueue('test-status-bounds'),
      partnerKeyCacheTtlMs: TTL_MS,
    });
    for (const id of [tenantId, 'ten_other']) {
      await database.db.tenant.create({ data: { id, slug: id, name: id } });
    }
    await database.db.tenantMode.create({
      data: { tenantId, mode: 'greenhouse_invite', active: true, partnerKeyHash: hashToken(key) },
    });
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('shows a new result on the very next call (results are never cached)', async () => {
    const id = `assessment:${tenantId}:app-101:test-1`;
    await newJourney(id);
    await snapshot(id, 1, 'in_progress', null);
    expect(await testStatus(id)).toEqual({ status: 200, body: { partner_status: 'in_progress' } });

    // The workflow records the result: the report link (sealed) and score, then the snapshot.
    const link = `${api.url}/r/grr_bounds-report-link`;
    await journeys.recordResult(id, { profileUrl: sealReportLink(api.secrets, id, link), score: 87 });
    await snapshot(id, 2, 'complete', 87);
    expect(await testStatus(id)).toEqual({
      status: 200,
      body: { partner_status: 'complete', partner_profile_url: link, partner_score: 87 },
    });
  });

  it('answers 404 for another tenant’s journey and for an unknown one, alike', async () => {
    const theirs = 'assessment:ten_other:app-7:test-1';
    await newJourney(theirs, 'ten_other');
    const other = await testStatus(theirs);
    const unknown = await testStatus('assessment:ten_other:app-8:test-1');
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect((other.body.error as { code: string }).code).toBe((unknown.body.error as { code: string }).code);
  });

  it('refuses a deactivated key within the cache TTL, and not before the database says so', async () => {
    const id = `assessment:${tenantId}:app-102:test-1`;
    await newJourney(id);
    // Let any entry from earlier calls end, then one call asks the database and caches the key.
    await new Promise((r) => setTimeout(r, TTL_MS + 50));
    const cachedBy = Date.now();
    expect((await testStatus(id)).status).toBe(200);
    const deactivated = await api.call(
      'POST',
      `/operator/tenants/${tenantId}/modes/greenhouse_invite/deactivate`,
    );
    expect(deactivated.status).toBe(200);
    const revokedAt = Date.now();

    // Poll until refused: every call sent within the TTL of the cached success may still pass;
    // the first call sent after it must not.
    const answers: { sentAt: number; receivedAt: number; status: number }[] = [];
    for (;;) {
      const sentAt = Date.now();
      const { status } = await testStatus(id);
      answers.push({ sentAt, receivedAt: Date.now(), status });
      if (status !== 200) break;
      expect(sentAt - cachedBy).toBeLessThan(TTL_MS + 1_000); // fails if the key were trusted for good
      await new Promise((r) => setTimeout(r, 50));
    }
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(401);
    // Refused no later than the TTL after the success that cached it (plus one poll interval).
    expect(refused.sentAt - cachedBy).toBeLessThanOrEqual(TTL_MS + 1_000);
    // The cache was in play: the entry lives at least the TTL from `cachedBy`, so any answer received
    // within it came from the cache although the database already said no.
    const withinTtl = answers.filter((a) => a.receivedAt - cachedBy < TTL_MS);
    for (const a of withinTtl) expect(a.status).toBe(200);
    expect(refused.sentAt).toBeGreaterThanOrEqual(revokedAt);
    // Once refused, it stays refused (the refusal is never cached, the database keeps saying no).
    expect((await testStatus(id)).status).toBe(401);
  });
});
