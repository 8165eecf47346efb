import express from 'express';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Client } from '@temporalio/client';
import { HttpError } from '../../api/http-errors.js';
import { BOOTSTRAP_OPERATOR } from '../../api/operator/auth.js';
import { loadJourneyInScope, type OperatorIdentity } from '../../api/operator/identity.js';
import { hashToken } from '../../security/tokens.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { listen } from '../helpers/http.js';
import { connectTestClient, uniqueTaskQueue } from '../helpers/temporal.js';

type Api = Awaited<ReturnType<typeof startTestApi>>;
interface CreatedKey {
  id: string;
  name: string;
  role: string;
  tenantId: string | null;
  key: string;
}

// Role- and tenant-scoped operator keys over real HTTP, on a real PostgreSQL (and Temporal client).
describe('operator keys, roles and tenant scopes', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: Api;
  let tenantA: string;
  let tenantB: string;
  const journeyA = 'assessment:keys-a:1';
  const journeyB = 'assessment:keys-b:1';
  let supportA: CreatedKey;
  let adminAll: CreatedKey;

  /** Calls the API with the given key (the bootstrap key when none). */
  const as = (key?: string) => (method: string, path: string, body?: unknown) =>
    api.call(method, `/operator${path}`, body, key ? { authorization: `Bearer ${key}` } : {});
  const bootstrap = as();

  const lastAuditId = async () =>
    (await database.db.auditEntry.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0;
  /** What one call wrote to the audit trail. */
  const audit = async <T>(call: () => Promise<T>) => {
    const before = await lastAuditId();
    const result = await call();
    const entries = await database.db.auditEntry.findMany({
      where: { id: { gt: before } },
      orderBy: { id: 'asc' },
    });
    return { result, entries };
  };
  const createKey = async (body: Record<string, unknown>, by = bootstrap) => {
    const res = await by('POST', '/keys', body);
    expect(res.status).toBe(201);
    return res.body as unknown as CreatedKey;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    api = await startTestApi({ db: database.db, temporal, taskQueue: uniqueTaskQueue('operator-keys') });
    tenantA = String((await bootstrap('POST', '/tenants', { slug: 'keys-a', name: 'Keys A' })).body!.id);
    tenantB = String((await bootstrap('POST', '/tenants', { slug: 'keys-b', name: 'Keys B' })).body!.id);
    for (const [id, tenantId] of [
      [journeyA, tenantA],
      [journeyB, tenantB],
    ] as const) {
      await database.db.journey.create({
        data: { id, tenantId, kind: 'assessment', status: 'created', trigger: 'vendor' },
      });
    }
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('creates keys, shows each once and stores only its SHA-256, auditing each creation', async () => {
    const { result: created, entries } = await audit(async () => {
      adminAll = await createKey({ name: 'ana@vendor.example', role: 'admin' });
      supportA = await createKey({ name: 'sam@vendor.example', role: 'support', tenantId: tenantA });
      return [adminAll, supportA];
    });
    expect(adminAll).toMatchObject({ name: 'ana@vendor.example', role: 'admin', tenantId: null });
    expect(supportA).toMatchObject({ name: 'sam@vendor.example', role: 'support', tenantId: tenantA });
    for (const key of created) expect(key.key).toMatch(/^gro_[A-Za-z0-9_-]{40,}$/);
    expect(adminAll.key).not.toBe(supportA.key);

    // Stored as a hash: no column of any key row holds a key's text.
    const rows = await database.db.operatorKey.findMany();
    expect(rows.find((r) => r.id === supportA.id)!.keyHash).toBe(hashToken(supportA.key));
    for (const key of created) expect(JSON.stringify(rows)).not.toContain(key.key);

    // Listed without key or hash: shown once means once.
    const listed = await bootstrap('GET', '/keys');
    expect(listed.status).toBe(200);
    const list = listed.body as unknown as Record<string, unknown>[];
    expect(list.map((k) => k.id)).toEqual(expect.arrayContaining([adminAll.id, supportA.id]));
    for (const k of list) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('keyHash');
    }

    expect(entries).toHaveLength(2);
    expect(entries.map((e) => [e.actor, e.actorKeyId, e.role, e.action, e.outcome])).toEqual([
      ['bootstrap', null, 'admin', 'keys.create', 'ok'],
      ['bootstrap', null, 'admin', 'keys.create', 'ok'],
    ]);
    expect(entries[1]!.detail).toEqual({ keyId: supportA.id, role: 'support', tenantId: tenantA });
    for (const key of created) expect(JSON.stringify(entries)).not.toContain(key.key);
  });

  it('authenticates a key with its role and scope, and records its last use at most once a minute', async () => {
    const support = as(supportA.key);
    expect((await support('GET', `/tenants/${tenantA}`)).body).toMatchObject({ id: tenantA });
    const firstUse = (await database.db.operatorKey.findUniqueOrThrow({ where: { id: supportA.id } }))
      .lastUsedAt;
    expect(firstUse).toBeInstanceOf(Date);

    // The tenant list holds the key's tenant only; the unscoped admin sees both.
    const listed = await support('GET', '/tenants');
    expect((listed.body as unknown as { id: string }[]).map((t) => t.id)).toEqual([tenantA]);
    const all = await as(adminAll.key)('GET', '/tenants');
    expect((all.body as unknown as { id: string }[]).map((t) => t.id)).toEqual(
      expect.arrayContaining([tenantA, tenantB]),
    );
    expect((await support('GET', `/tenants/${tenantA}/tests`)).status).toBe(200);
    expect((await support('GET', `/tenants/${tenantA}/response-errors`)).status).toBe(200);

    const again = (await database.db.operatorKey.findUniqueOrThrow({ where: { id: supportA.id } }))
      .lastUsedAt;
    expect(again).toEqual(firstUse);
  });

  it('answers 403 to a support key on admin routes, one refused audit entry per write', async () => {
    const support = as(supportA.key);
    const writes: [string, string, unknown, string][] = [
      ['POST', '/keys', { name: 'x', role: 'admin' }, 'keys.create'],
      ['POST', `/keys/${adminAll.id}/revoke`, undefined, 'keys.revoke'],
      ['POST', '/tenants', { slug: 'keys-c', name: 'Keys C' }, 'tenants.create'],
      ['PUT', `/tenants/${tenantA}/settings`, { reportVisibility: 'private' }, 'tenants.settings'],
      [
        'PUT',
        `/tenants/${tenantA}/greenhouse`,
        { kind: 'v1_key', apiKey: 'secret-from-support', greenhouseHost: 'app.greenhouse.io' },
        'tenants.connect',
      ],
      ['POST', `/tenants/${tenantA}/modes/greenhouse_invite/activate`, {}, 'modes.activate'],
      ['PUT', `/tenants/${tenantA}/job-test-mappings`, { mappings: [] }, 'mappings.jobs'],
      ['PUT', `/tenants/${tenantA}/tests/sql`, { name: 'SQL' }, 'tests.put'],
      ['POST', `/tenants/${tenantA}/tests/sql/deactivate`, undefined, 'tests.deactivate'],
    ];
    for (const [method, path, body, action] of writes) {
      const { result, entries } = await audit(() => support(method, path, body));
      expect(result.status, `${method} ${path}`).toBe(403);
      expect(result.body!.error!.code).toBe('forbidden');
      expect(entries, `${method} ${path}`).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: 'sam@vendor.example',
        actorKeyId: supportA.id,
        role: 'support',
        action,
        outcome: 'refused',
      });
      expect(JSON.stringify(entries[0]!.detail)).not.toContain('secret-from-support');
    }
    for (const path of ['/keys', `/tenants/${tenantA}/greenhouse/users`]) {
      expect((await support('GET', path)).status, path).toBe(403);
    }
    expect(await database.db.tenant.count({ where: { slug: 'keys-c' } })).toBe(0);
  });

  it('answers 404 to a key scoped to tenant A for tenant B, with the words an unknown tenant gets', async () => {
    const support = as(supportA.key);
    const unknown = await bootstrap('GET', '/tenants/ten_nowhere');
    expect(unknown).toMatchObject({ status: 404, body: { error: { message: 'no tenant ten_nowhere' } } });

    const reads = [
      `/tenants/${tenantB}`,
      `/tenants/${tenantB}/tests`,
      `/tenants/${tenantB}/tests/sql`,
      `/tenants/${tenantB}/response-errors`,
      `/tenants/${tenantB}/greenhouse/users`,
    ];
    for (const path of reads) {
      const res = await support('GET', path);
      expect(res, path).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found', message: `no tenant ${tenantB}` } },
      });
    }
    const writes: [string, string, unknown, string][] = [
      [
        'POST',
        `/tenants/${tenantB}/invites`,
        { email: 'c@example.com', firstName: 'C', lastName: 'D', jobId: '1' },
        'invites.create',
      ],
      ['PUT', `/tenants/${tenantB}/settings`, { reportVisibility: 'private' }, 'tenants.settings'],
      ['PUT', `/tenants/${tenantB}/tests/sql`, { name: 'SQL' }, 'tests.put'],
    ];
    for (const [method, path, body, action] of writes) {
      const { result, entries } = await audit(() => support(method, path, body));
      expect(result.status, path).toBe(404);
      expect(result.body!.error!.message).toBe(`no tenant ${tenantB}`);
      // Audited under the key's own tenant: B's trail shows nothing of A's attempts.
      expect(entries.map((e) => [e.actor, e.action, e.outcome, e.tenantId])).toEqual([
        ['sam@vendor.example', action, 'refused', tenantA],
      ]);
    }
    expect(await database.db.journey.count({ where: { tenantId: tenantB } })).toBe(1);

    // Probe journeys belong to the system tenant: out of a scoped key's reach too.
    expect((await support('POST', '/probes', {})).status).toBe(404);

    // Tenant B's journey: as unknown to the scoped key as a journey that does not exist.
    const res = await support('GET', `/journeys/${journeyB}`);
    expect(res).toMatchObject({ status: 404, body: { error: { message: `no journey ${journeyB}` } } });
    expect((await support('GET', `/journeys/${journeyA}`)).body).toMatchObject({ id: journeyA });
  });

  it('loadJourneyInScope returns in-scope journeys and 404s the rest', async () => {
    const scopedToA: OperatorIdentity = { keyId: 'k', name: 'n', role: 'support', tenantId: tenantA };
    expect(await loadJourneyInScope(database.db, scopedToA, journeyA)).toMatchObject({ tenantId: tenantA });
    expect(await loadJourneyInScope(database.db, BOOTSTRAP_OPERATOR, journeyB)).toMatchObject({
      tenantId: tenantB,
    });
    for (const id of [journeyB, 'assessment:none:1']) {
      const err = await loadJourneyInScope(database.db, scopedToA, id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toMatchObject({ status: 404, message: `no journey ${id}` });
    }
  });

  it('lets an admin scoped to a tenant manage that tenant only', async () => {
    const adminA = as(
      (await createKey({ name: 'lea@vendor.example', role: 'admin', tenantId: tenantA })).key,
    );
    // Its keys default to its tenant.
    const own = await createKey({ name: 'sup2@vendor.example', role: 'support' }, adminA);
    expect(own.tenantId).toBe(tenantA);
    // Another tenant answers as an unknown one would.
    for (const tenantId of [tenantB, 'ten_nowhere']) {
      const res = await adminA('POST', '/keys', { name: 'x', role: 'support', tenantId });
      expect(res).toMatchObject({
        status: 422,
        body: { error: { field: 'tenantId', message: `no tenant ${tenantId}` } },
      });
    }
    const listed = (await adminA('GET', '/keys')).body as unknown as { tenantId: string | null }[];
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(new Set(listed.map((k) => k.tenantId))).toEqual(new Set([tenantA]));
    expect((await adminA('POST', `/keys/${adminAll.id}/revoke`)).status).toBe(404);
    expect((await adminA('POST', '/tenants', { slug: 'keys-d', name: 'Keys D' })).status).toBe(403);
    expect(
      (await adminA('PUT', `/tenants/${tenantB}/settings`, { reportVisibility: 'private' })).status,
    ).toBe(404);
    expect(
      (await adminA('PUT', `/tenants/${tenantA}/settings`, { reportVisibility: 'private' })).status,
    ).toBe(200);
  });

  it('validates a new key, auditing the refusal', async () => {
    const { result, entries } = await audit(() => bootstrap('POST', '/keys', { name: 'x', role: 'root' }));
    expect(result).toMatchObject({ status: 400, body: { error: { field: 'role' } } });
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([['keys.create', 'refused']]);
    for (const body of [{ role: 'admin' }, { name: 'x', role: 'admin', extra: 1 }, []]) {
      expect((await bootstrap('POST', '/keys', body)).status).toBe(400);
    }
    expect(
      await bootstrap('POST', '/keys', { name: 'x', role: 'support', tenantId: 'ten_nowhere' }),
    ).toMatchObject({ status: 422, body: { error: { field: 'tenantId' } } });
  });

  it('answers 401 to a revoked key; revoking is audited and idempotent', async () => {
    const victim = await createKey({ name: 'gone@vendor.example', role: 'support', tenantId: tenantA });
    expect((await as(victim.key)('GET', `/tenants/${tenantA}`)).status).toBe(200);

    const { result, entries } = await audit(() => as(adminAll.key)('POST', `/keys/${victim.id}/revoke`));
    expect(result).toMatchObject({ status: 200, body: { id: victim.id, tenantId: tenantA } });
    expect(result.body!.revokedAt).toEqual(expect.any(String));
    expect(result.body).not.toHaveProperty('keyHash');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'ana@vendor.example',
      actorKeyId: adminAll.id,
      action: 'keys.revoke',
      outcome: 'ok',
      detail: { keyId: victim.id, role: 'support', tenantId: tenantA, alreadyRevoked: false },
    });

    const refused = await as(victim.key)('GET', `/tenants/${tenantA}`);
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await as(victim.key)('POST', '/keys', { name: 'x', role: 'admin' })).status).toBe(401);

    const again = await bootstrap('POST', `/keys/${victim.id}/revoke`);
    expect(again).toMatchObject({ status: 200, body: { revokedAt: result.body!.revokedAt } });
    expect((await bootstrap('POST', '/keys/opk_nope/revoke')).status).toBe(404);
  });

  it('keeps the bootstrap key working and refuses unknown keys', async () => {
    expect((await bootstrap('GET', '/tenants')).status).toBe(200);
    expect((await bootstrap('GET', '/keys')).status).toBe(200);
    for (const authorization of ['Bearer gro_not-a-key', 'Bearer wrong', `Basic ${adminAll.key}`, '']) {
      const res = await api.call('GET', '/operator/tenants', undefined, { authorization });
      expect(res.status, authorization).toBe(401);
    }
  });

  it('audits tenant set-up without its secrets', async () => {
    const settings = await audit(() =>
      bootstrap('PUT', `/tenants/${tenantA}/settings`, { reportVisibility: 'public' }),
    );
    expect(settings.result.status).toBe(200);
    expect(settings.entries.map((e) => [e.actor, e.action, e.outcome, e.tenantId, e.detail])).toEqual([
      ['bootstrap', 'tenants.settings', 'ok', tenantA, { settings: ['reportVisibility'] }],
    ]);

    // Greenhouse refuses: the audit keeps the attempt but not the key.
    const apiKey = 'harvest-secret-0123456789';
    // A Harvest that refuses every credential: the connection is refused at once.
    const refusing = express();
    refusing.use((_req, res) => void res.status(401).json({ message: 'Invalid Basic Auth credentials' }));
    const harvest = await listen(refusing);
    onTestFinished(() => harvest.close());
    const connect = await audit(() =>
      bootstrap('PUT', `/tenants/${tenantA}/greenhouse`, {
        kind: 'v1_key',
        apiKey,
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: harvest.url,
      }),
    );
    expect(connect.result.status).toBeGreaterThanOrEqual(400);
    expect(connect.entries).toHaveLength(1);
    expect(connect.entries[0]).toMatchObject({ action: 'tenants.connect', tenantId: tenantA });
    expect(['refused', 'failed']).toContain(connect.entries[0]!.outcome);
    expect(JSON.stringify(connect.entries)).not.toContain(apiKey);

    // The partner key Greenhouse gets is shown once, to the caller; never in the audit.
    const activate = await audit(() =>
      bootstrap('POST', `/tenants/${tenantA}/modes/greenhouse_invite/activate`, {}),
    );
    expect(activate.result.status).toBe(200);
    const partnerKey = String(activate.result.body!.partnerApiKey);
    expect(partnerKey).toMatch(/^grpk_/);
    expect(activate.entries.map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['modes.activate', 'ok', { mode: 'greenhouse_invite', rotate: false }],
    ]);
    expect(JSON.stringify(activate.entries)).not.toContain(partnerKey);

    // Every entry of this suite: no key of ours anywhere in the trail.
    const trail = JSON.stringify(await database.db.auditEntry.findMany());
    for (const key of [adminAll.key, supportA.key, apiKey, partnerKey]) expect(trail).not.toContain(key);
  });
});
