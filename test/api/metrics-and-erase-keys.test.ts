import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorKeyReadsMetrics } from '../../api/operator/auth.js';
import { startHealthServer } from '../../observability/health-server.js';
import { freePort } from '../../temporal/free-port.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, uniqueTaskQueue } from '../helpers/temporal.js';

interface CreatedKey {
  id: string;
  role: string;
  tenantId: string | null;
  key: string;
}

// Issue 18 item 11 over real HTTP and PostgreSQL: Prometheus's read-only `metrics` key reads
// /metrics (API and worker) and nothing else; erasing a journey needs an admin key.
describe('metrics keys and admin-only erasure', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let health: Server;
  let healthUrl: string;
  let tenantId: string;
  let metricsKey: CreatedKey;
  let supportKey: CreatedKey;
  let adminKey: CreatedKey;
  const journeyId = 'assessment:metrics-keys:1';

  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    api.call(method, path, body, { authorization: `Bearer ${key}` });
  const createKey = async (body: Record<string, unknown>) => {
    const res = await api.call('POST', '/operator/keys', body);
    expect(res.status).toBe(201);
    return res.body as unknown as CreatedKey;
  };
  const scrape = (url: string, key: string) =>
    fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    api = await startTestApi({ db: database.db, temporal, taskQueue: uniqueTaskQueue('metrics-keys') });
    tenantId = String(
      (await api.call('POST', '/operator/tenants', { slug: 'metrics-keys', name: 'Metrics keys' })).body!.id,
    );
    await database.db.journey.create({
      data: { id: journeyId, tenantId, kind: 'assessment', status: 'created', trigger: 'vendor' },
    });
    metricsKey = await createKey({ name: 'prometheus', role: 'metrics' });
    supportKey = await createKey({ name: 'sam@vendor.example', role: 'support' });
    adminKey = await createKey({ name: 'ana@vendor.example', role: 'admin' });
    // The worker's health server, wired as workers/main.ts wires it.
    const port = await freePort();
    health = await startHealthServer({
      port,
      host: '127.0.0.1',
      isReady: () => true,
      metrics: {
        scrape: () => Promise.resolve('# worker metrics\n'),
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        bearerToken: TEST_OPERATOR_KEY,
        acceptKey: (key) => operatorKeyReadsMetrics(database.db, key),
      },
    });
    healthUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    health?.close();
    await api?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('makes an unscoped metrics key, and only an unscoped admin may', async () => {
    expect(metricsKey).toMatchObject({ role: 'metrics', tenantId: null });
    const scoped = await api.call('POST', '/operator/keys', { name: 'p', role: 'metrics', tenantId });
    expect(scoped).toMatchObject({ status: 422, body: { error: { field: 'tenantId' } } });
    const scopedAdmin = await createKey({ name: 'tenant-admin', role: 'admin', tenantId });
    const byScopedAdmin = await as(scopedAdmin.key)('POST', '/operator/keys', { name: 'p', role: 'metrics' });
    expect(byScopedAdmin.status).toBe(403);
  });

  it('lets the metrics key read /metrics on the API and on the worker', async () => {
    const fromApi = await scrape(api.url, metricsKey.key);
    expect(fromApi.status).toBe(200);
    expect(await fromApi.text()).toContain('greenroom_http_requests_total');
    const fromWorker = await scrape(healthUrl, metricsKey.key);
    expect(fromWorker.status).toBe(200);
    expect(await fromWorker.text()).toBe('# worker metrics\n');
    // The bootstrap key still reads both; an unknown key reads neither.
    expect((await scrape(healthUrl, TEST_OPERATOR_KEY)).status).toBe(200);
    expect((await scrape(api.url, 'gro_unknown')).status).toBe(401);
    expect((await scrape(healthUrl, 'gro_unknown')).status).toBe(401);
    expect((await scrape(healthUrl, 'not-a-key')).status).toBe(401);
  });

  it('refuses the metrics key on every other route (403), reads and writes alike', async () => {
    const metrics = as(metricsKey.key);
    for (const [method, path, body] of [
      ['GET', '/operator/journeys', undefined],
      ['GET', `/operator/journeys/${encodeURIComponent(journeyId)}`, undefined],
      ['GET', '/operator/tenants', undefined],
      ['GET', '/operator/keys', undefined],
      ['POST', '/operator/keys', { name: 'x', role: 'admin' }],
      ['POST', `/operator/journeys/${encodeURIComponent(journeyId)}/erase`, {}],
      ['POST', '/codec/decode', { payloads: [] }],
    ] as const) {
      const res = await metrics(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body!.error!.message).toMatch(/metrics/);
    }
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row.erasedAt).toBeNull();
  });

  it('stops reading /metrics once the metrics key is revoked', async () => {
    const spare = await createKey({ name: 'prometheus-old', role: 'metrics' });
    expect((await scrape(healthUrl, spare.key)).status).toBe(200);
    expect((await api.call('POST', `/operator/keys/${spare.id}/revoke`)).status).toBe(200);
    expect((await scrape(healthUrl, spare.key)).status).toBe(401);
    expect((await scrape(api.url, spare.key)).status).toBe(401);
  });

  it('refuses erasure to a support key (audited as refused) and lets an admin key erase', async () => {
    const path = `/operator/journeys/${encodeURIComponent(journeyId)}/erase`;
    const refused = await as(supportKey.key)('POST', path, {});
    expect(refused.status).toBe(403);
    expect((await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } })).erasedAt).toBeNull();
    const audit = await database.db.auditEntry.findMany({
      where: { journeyId, action: 'journey.erase' },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.actorKeyId, a.outcome])).toEqual([[supportKey.id, 'refused']]);

    const erased = await as(adminKey.key)('POST', path, {});
    expect(erased.status).toBe(200);
    expect(
      (await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } })).erasedAt,
    ).not.toBeNull();
  });
});
