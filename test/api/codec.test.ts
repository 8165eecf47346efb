import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { generateEncryptionKeySpec, parseEncryptionKeys } from '../../security/secret-box.js';
import { dataConverterFor } from '../../temporal/data-converter.js';
import { connectTestClient, testDataConverter, uniqueTaskQueue } from '../helpers/temporal.js';

const UI = 'http://localhost:8233';

// The Temporal Web UI's codec server over real HTTP: operator key, CORS, the codec-server contract.
describe('codec endpoint for the Temporal UI', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    api = await startTestApi({ db: database.db, temporal, taskQueue: uniqueTaskQueue('codec') });
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  const post = (direction: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/codec/${direction}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_OPERATOR_KEY}`,
        'content-type': 'application/json',
        origin: UI,
        'x-namespace': 'default',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Payloads as the UI sends them: proto JSON, bytes as base64. */
  const payloads = [
    { journeyId: 'assessment:t1:app-1:js-basics', scorePercent: 100 },
    'plain string',
    null,
  ].map((value) => {
    const p = defaultPayloadConverter.toPayload(value);
    return {
      metadata: Object.fromEntries(
        Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
      ),
      ...(p.data?.length ? { data: Buffer.from(p.data).toString('base64') } : {}),
    };
  });

  it('needs an unscoped operator key (401 without, 403 for a tenant-scoped key)', async () => {
    for (const direction of ['encode', 'decode']) {
      const none = await post(direction, { payloads }, { authorization: '' });
      expect(none.status).toBe(401);
      // The UI can read the refusal: CORS headers are on error answers too.
      expect(none.headers.get('access-control-allow-origin')).toBe(UI);
      expect((await post(direction, { payloads }, { authorization: 'Bearer wrong-key' })).status).toBe(401);
    }
    const tenant = await api.call('POST', '/operator/tenants', { slug: 'codec-co', name: 'Codec Co' });
    const key = await api.call('POST', '/operator/keys', {
      name: 'scoped@vendor.example',
      role: 'admin',
      tenantId: tenant.body!.id,
    });
    expect(key.status).toBe(201);
    const scoped = await post('decode', { payloads }, { authorization: `Bearer ${String(key.body!.key)}` });
    expect(scoped.status).toBe(403);
  });

  it('answers the CORS preflight with 204, without a key, for the configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    for (const origin of [UI, 'http://127.0.0.1:8233']) {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-allow-headers')).toBe(
        'Authorization, Content-Type, X-Namespace',
      );
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('vary')).toMatch(/Origin/);
    }
    const foreign = await preflight('https://evil.example');
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('encrypts on encode and decrypts on decode, with CORS headers; plain payloads pass through', async () => {
    const encoded = await post('encode', { payloads });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('access-control-allow-origin')).toBe(UI);
    const sealed = (await encoded.json()) as { payloads: typeof payloads };
    expect(sealed.payloads).toHaveLength(payloads.length);
    for (const p of sealed.payloads) {
      expect(Buffer.from(p.metadata!.encoding!, 'base64').toString()).toBe('binary/encrypted');
      expect(Buffer.from(p.metadata!['encryption-key-id']!, 'base64').toString()).toBe(
        testDataConverter().codec.currentKeyId,
      );
      expect(Buffer.from(p.data!, 'base64').toString('utf8')).not.toContain('assessment:t1');
    }

    const decoded = await post('decode', sealed);
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');
    const body = (await decoded.json()) as { payloads: typeof payloads };
    expect(body).toEqual({ payloads });
    // What the UI shows: the journey's own JSON.
    const first = body.payloads[0]!;
    expect(JSON.parse(Buffer.from(first.data!, 'base64').toString('utf8'))).toMatchObject({
      scorePercent: 100,
    });

    // Payloads written before encryption come back as they are.
    expect(await (await post('decode', { payloads })).json()).toEqual({ payloads });
    expect(await (await post('decode', { payloads: [] })).json()).toEqual({ payloads: [] });
  });

  it('answers 400 naming the key to a payload it cannot decrypt', async () => {
    const [foreign] = await dataConverterFor(
      parseEncryptionKeys(generateEncryptionKeySpec('retired')),
    ).codec.encode([defaultPayloadConverter.toPayload('secret')]);
    const json = {
      metadata: Object.fromEntries(
        Object.entries(foreign!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
      ),
      data: Buffer.from(foreign!.data!).toString('base64'),
    };
    const res = await post('decode', { payloads: [json] });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid_payload',
        message: 'a payload is encrypted with key retired, which is not configured (PAYLOAD_ENCRYPTION_KEYS)',
      },
    });
  });

  it('answers 400 to malformed bodies', async () => {
    const bad: unknown[] = [
      '{"payloads": [',
      {},
      { payloads: 'nope' },
      { payloads: [{ metadata: { encoding: 'not base64!' } }] },
      { payloads: [{ metadata: {}, data: 42 }] },
      { payloads: [{ metadata: ['x'] }] },
      { payloads: [], extra: true },
    ];
    for (const body of bad) {
      const res = await post('decode', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^invalid_/);
    }
    const text = await post('encode', 'payloads', { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
  });
});
