import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createCatalogueService } from '../../catalogue/service.js';
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

    // Plain payloads (written before encryption, forged, or the SDK's own patch markers) are shown
    // as they are, although the worker's codec refuses them: showing is not accepting.
    expect(await (await post('decode', { payloads })).json()).toEqual({ payloads });
    const mixed = await post('decode', { payloads: [sealed.payloads[0], payloads[1], sealed.payloads[2]] });
    expect(await mixed.json()).toEqual({ payloads: [payloads[0], payloads[1], payloads[2]] });
    await expect(testDataConverter().codec.decode([])).resolves.toEqual([]);
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

/** POST /codec/decode with full control of Host and the peer address (fetch would set Host itself). */
function rawDecode(
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/codec/decode`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// `npm start` sets CODEC_LOOPBACK_WITHOUT_KEY: the stock Temporal UI sends no operator key, so on
// this machine the codec answers without one — and only on this machine, to the UI's origins.
describe('codec endpoint without a key for the local Temporal UI (CODEC_LOOPBACK_WITHOUT_KEY)', () => {
  let database: TestDatabase;
  let temporal: Client;
  let local: Awaited<ReturnType<typeof startTestApi>>;
  let off: Awaited<ReturnType<typeof startTestApi>>;
  const body = async () => {
    const [sealed] = await testDataConverter().codec.encode([defaultPayloadConverter.toPayload({ n: 42 })]);
    return {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
          ),
          data: Buffer.from(sealed!.data!).toString('base64'),
        },
      ],
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    const deps = { db: database.db, temporal, taskQueue: uniqueTaskQueue('codec-local') };
    local = await startTestApi({ ...deps, codecLoopbackWithoutKey: true });
    off = await startTestApi(deps);
  });
  afterAll(async () => {
    await local?.close();
    await off?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('decodes for the UI on loopback without a key; the same request is 401 with the switch off', async () => {
    const host = new URL(local.url).host;
    const ok = await rawDecode(local.url, { origin: UI, host }, await body());
    expect(ok.status, ok.text).toBe(200);
    const [decoded] = (JSON.parse(ok.text) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString('utf8'))).toEqual({ n: 42 });
    // No Origin: the Temporal CLI's --codec-endpoint on this machine.
    expect((await rawDecode(local.url, { host }, await body())).status).toBe(200);
    // Encoding still wants the key: it would let anyone here forge encrypted journey inputs.
    const encode = await fetch(`${local.url}/codec/encode`, {
      method: 'POST',
      headers: { origin: UI, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(encode.status).toBe(401);

    const refused = await rawDecode(off.url, { origin: UI, host: new URL(off.url).host }, await body());
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('still wants the key from another origin, a rebinding Host, or a forwarded request', async () => {
    const host = new URL(local.url).host;
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example', host },
      { origin: UI, host: `evil.example:${new URL(local.url).port}` },
      { origin: UI, host, 'x-forwarded-for': '203.0.113.9' },
      { origin: UI, host, forwarded: 'for=203.0.113.9' },
    ]) {
      const res = await rawDecode(local.url, headers, await body());
      expect(res.status, JSON.stringify(headers)).toBe(401);
    }
    // With the key, those are ordinary operator requests.
    const withKey = await rawDecode(
      local.url,
      { origin: UI, host, 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${TEST_OPERATOR_KEY}` },
      await body(),
    );
    expect(withKey.status).toBe(200);
  });

  it('still wants the key from another machine', async () => {
    // The same app on every interface, called through this machine's non-loopback address.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    expect(external, 'a non-loopback IPv4 address on this machine').toBeDefined();
    const app = createApp({
      db: database.db,
      temporal,
      log: pino({ level: 'silent' }),
      taskQueue: 'unused',
      operatorApiKey: TEST_OPERATOR_KEY,
      catalogue: createCatalogueService({ db: database.db }),
      connections: local.connections,
      secrets: local.secrets,
      codec: testDataConverter().codec,
      codecLoopbackWithoutKey: true,
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '0.0.0.0', () => resolve(s));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const viaNetwork = await rawDecode(
        `http://${external!.address}:${port}`,
        { origin: UI, host: `localhost:${port}` },
        await body(),
      );
      expect(viaNetwork.status).toBe(401);
      const viaLoopback = await rawDecode(
        `http://127.0.0.1:${port}`,
        { origin: UI, host: `localhost:${port}` },
        await body(),
      );
      expect(viaLoopback.status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
