import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { testActivities } from '../helpers/activities.js';
import { createDatabase } from '../../db/client.js';
import { freePort } from '../../temporal/free-port.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { connectTestClient, startTestWorker, type RunningTestWorker } from '../helpers/temporal.js';

const OPERATOR_KEY = TEST_OPERATOR_KEY;

// The API over real HTTP, on a real Temporal server and PostgreSQL, with the real worker.
describe('operator probe API', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: RunningTestWorker;
  let api: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    worker = await startTestWorker({ activities: testActivities(database.db) });
    api = await startTestApi({ db: database.db, temporal, taskQueue: worker.taskQueue, bodyLimit: '10kb' });
  });
  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await temporal?.connection.close();
    await database?.drop();
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  const journeyCount = () => database.db.journey.count();

  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${api.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });

  it('reports not ready, naming the part, when the database is unreachable', async () => {
    const deadDb = createDatabase({
      url: `postgresql://postgres@127.0.0.1:${await freePort()}/none`,
      poolSize: 1,
    });
    const server = await startTestApi({ db: deadDb, temporal, taskQueue: 'x' });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'not_ready',
        checks: { database: 'unavailable', temporal: 'ok' },
      });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
      await deadDb.$disconnect();
    }
  });

  it('runs a probe journey to completion through the API', async () => {
    const started = await call(
      'POST',
      '/operator/probes',
      { deadlineSeconds: 600 },
      { 'idempotency-key': 'e2e-1' },
    );
    expect(started.status).toBe(202);
    const { journeyId, runId } = (await started.json()) as { journeyId: string; runId: string };
    expect(journeyId).toBe('probe:system:e2e-1');

    // Same Idempotency-Key: the same journey, not a second one.
    const again = await call(
      'POST',
      '/operator/probes',
      { deadlineSeconds: 600 },
      { 'idempotency-key': 'e2e-1' },
    );
    expect(((await again.json()) as { runId: string }).runId).toBe(runId);

    const done = await call('POST', `/operator/probes/${journeyId}/complete`, {
      completedBy: 'support@vendor',
    });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ status: 'complete', completedBy: 'support@vendor' });

    const journey = await call('GET', `/operator/journeys/${journeyId}`);
    expect(await journey.json()).toMatchObject({ id: journeyId, status: 'complete', kind: 'probe' });
  });

  it.each([
    ['malformed JSON', '{"deadlineSeconds":', 400, 'invalid_json', undefined],
    ['a wrong type', { deadlineSeconds: 'soon' }, 400, 'invalid_input', 'deadlineSeconds'],
    ['an out-of-range value', { deadlineSeconds: 0 }, 400, 'invalid_input', 'deadlineSeconds'],
    ['an unknown field', { deadlineSeconds: 60, extra: true }, 400, 'invalid_input', 'body'],
    ['an oversized body', { pad: 'x'.repeat(20_000) }, 413, 'body_too_large', undefined],
  ])('rejects %s with a clear 4xx and starts nothing', async (_what, body, status, code, field) => {
    const before = await journeyCount();
    const res = await call('POST', '/operator/probes', body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; field?: string; message: string } };
    expect(json.error.code).toBe(code);
    if (field) expect(json.error.field).toBe(field);
    expect(json.error.message.length).toBeGreaterThan(5);
    expect(await journeyCount()).toBe(before);
  });

  it('rejects a bad Idempotency-Key naming the header', async () => {
    const res = await call('POST', '/operator/probes', {}, { 'idempotency-key': 'has spaces!' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('Idempotency-Key');
  });

  it('requires the operator key', async () => {
    const before = await journeyCount();
    for (const authorization of [undefined, 'Bearer wrong-key', `Basic ${OPERATOR_KEY}`]) {
      const res = await fetch(`${api.url}/operator/probes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: '{}',
      });
      expect(res.status).toBe(401);
    }
    expect(await journeyCount()).toBe(before);
  });

  it('answers 404 for unknown journeys and routes, 400 for an empty completedBy', async () => {
    expect((await call('GET', '/operator/journeys/probe:system:nope')).status).toBe(404);
    expect(
      (await call('POST', '/operator/probes/probe:system:nope/complete', { completedBy: 'x' })).status,
    ).toBe(404);
    expect((await call('GET', '/no/such/route')).status).toBe(404);
    expect(
      (await call('POST', '/operator/probes/probe:system:nope/complete', { completedBy: '' })).status,
    ).toBe(400);
  });
});
