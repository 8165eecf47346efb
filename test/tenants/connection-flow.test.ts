import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { hashToken } from '../../security/tokens.js';
import { tenantForPartnerKey } from '../../tenants/connection-service.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient } from '../helpers/temporal.js';

// The operator's set-up flow over real HTTP: our API ↔ the Greenhouse sandbox, real PostgreSQL.
describe('connecting a customer’s Greenhouse', () => {
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    sb = await startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      orgs: [
        { name: 'Enterprise Co', candidates: 5, plan: 'enterprise' },
        { name: 'Standard Co', candidates: 5, plan: 'standard' },
      ],
    });
    api = await startTestApi({ db: database.db, temporal, taskQueue: 'unused' });
  });
  afterAll(async () => {
    await api?.close();
    await sb?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  const enterprise = () => sb.orgs[0]!;
  const v3Body = (org = enterprise(), overrides: Record<string, unknown> = {}) => ({
    kind: 'v3_client_credentials',
    clientId: org.credentials.v3.clientId,
    clientSecret: org.credentials.v3.clientSecret,
    auditUserId: org.siteAdmin.id,
    greenhouseHost: 'app3.greenhouse.io',
    harvestBaseUrl: sb.url,
    authBaseUrl: sb.url,
    ...overrides,
  });
  const newTenant = async (slug: string) => {
    const res = await api.call('POST', '/operator/tenants', { slug, name: `Tenant ${slug}` });
    expect(res.status).toBe(201);
    return String(res.body!.id);
  };
  const rowCounts = async () => ({
    tenants: await database.db.tenant.count(),
    connections: await database.db.greenhouseConnection.count(),
    mappings: await database.db.customFieldMapping.count(),
    modes: await database.db.tenantMode.count(),
  });

  it('walks the whole v3 flow and keeps every secret out of responses and plaintext storage', async () => {
    const tenantId = await newTenant('acme-v3');

    const connected = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, v3Body());
    expect(connected).toMatchObject({
      status: 200,
      body: { connected: true, authKind: 'v3_client_credentials' },
    });
    const stored = await database.db.greenhouseConnection.findUniqueOrThrow({ where: { tenantId } });
    expect(stored.secretCiphertext).not.toContain(enterprise().credentials.v3.clientSecret);
    expect(api.secrets.decrypt(stored.secretCiphertext, `harvest-secret:${tenantId}`)).toBe(
      enterprise().credentials.v3.clientSecret,
    );

    const check = await api.call('POST', `/operator/tenants/${tenantId}/greenhouse/permission-check`);
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({
      ok: true,
      credentialValid: true,
      applicationCustomFieldsAvailable: true,
    });
    expect((check.body!.checks as { status: string }[]).every((c) => c.status === 'granted')).toBe(true);

    const users = await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/users`);
    const list = users.body as unknown as { id: string; siteAdmin: boolean; disabled: boolean }[];
    expect(list.find((u) => u.id === String(enterprise().siteAdmin.id))).toMatchObject({ siteAdmin: true });
    const plainUser = list.find((u) => !u.siteAdmin && !u.disabled)!;
    // v3 lists need a Site Admin `sub`: a plain user is refused, naming the field.
    const refused = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse/audit-user`, {
      userId: plainUser.id,
    });
    expect(refused).toMatchObject({ status: 422, body: { error: { field: 'userId' } } });
    expect(refused.body!.error!.message).toMatch(/not a Site Admin: Harvest v3 needs a Site Admin/);
    const ghost = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse/audit-user`, {
      userId: 424242,
    });
    expect(ghost.body!.error!.message).toBe('audit user 424242 does not exist in Greenhouse');
    const admin = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse/audit-user`, {
      userId: enterprise().siteAdmin.id,
    });
    expect(admin.body).toMatchObject({ siteAdmin: true, warnings: [] });

    const fields = await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/custom-fields`);
    expect(fields.body!.applicationCustomFieldsAvailable).toBe(true);
    const appFields = fields.body!.application as { id: string; name: string; valueType: string }[];
    const byType = (t: string) => appFields.find((f) => f.valueType === t)!;
    const mapped = await api.call('PUT', `/operator/tenants/${tenantId}/custom-field-mappings`, {
      mappings: [
        { resultField: 'score', scope: 'application', customFieldId: byType('number').id },
        { resultField: 'report_link', scope: 'application', customFieldId: byType('url').id },
        { resultField: 'pass_fail', scope: 'application', customFieldId: byType('yes_no').id },
      ],
    });
    expect(mapped.status).toBe(200);

    expect(
      (
        await api.call('PUT', `/operator/tenants/${tenantId}/job-test-mappings`, {
          mappings: [{ jobId: 101, testId: 'sql-basics' }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api.call('PUT', `/operator/tenants/${tenantId}/stage-test-mappings`, {
          mappings: [{ jobId: '101', stageId: '9001', testId: 'sql-basics' }],
        })
      ).status,
    ).toBe(200);

    const invite = await api.call('POST', `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
      callbackCredential: 'callback-key-from-greenhouse',
    });
    const partnerKey = String(invite.body!.partnerApiKey);
    expect(partnerKey.length).toBeLessThan(171);
    expect(invite.body!.shownOnce).toBe(true);
    const mode = await database.db.tenantMode.findUniqueOrThrow({
      where: { tenantId_mode: { tenantId, mode: 'greenhouse_invite' } },
    });
    expect(mode.partnerKeyHash).toBe(hashToken(partnerKey));
    expect(mode.callbackCredentialCiphertext).not.toContain('callback-key-from-greenhouse');
    expect(await tenantForPartnerKey(database.db, partnerKey)).toBe(tenantId);

    // Activating again does not show (or change) the key; rotating replaces it.
    const again = await api.call(
      'POST',
      `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`,
      {},
    );
    expect(again.body!.partnerApiKey).toBeUndefined();
    const rotated = await api.call('POST', `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
      rotate: true,
    });
    expect(rotated.body!.partnerApiKey).not.toBe(partnerKey);
    // Greenhouse staff type the new key in by hand: the old one works until the new one is used.
    expect(await tenantForPartnerKey(database.db, partnerKey)).toBe(tenantId);
    expect(await tenantForPartnerKey(database.db, String(rotated.body!.partnerApiKey))).toBe(tenantId);
    expect(await tenantForPartnerKey(database.db, partnerKey)).toBeNull();

    const webhook = await api.call(
      'POST',
      `/operator/tenants/${tenantId}/modes/webhook_trigger/activate`,
      {},
    );
    expect(String(webhook.body!.webhookSecret)).toMatch(/^grwh_/);
    await api.call('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/activate`, {});
    const off = await api.call('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/deactivate`);
    expect(off.body).toMatchObject({ active: false, changed: true });
    expect(await tenantForPartnerKey(database.db, String(rotated.body!.partnerApiKey))).toBe(tenantId);

    const described = await api.call('GET', `/operator/tenants/${tenantId}`);
    const text = JSON.stringify(described.body);
    for (const secret of [
      enterprise().credentials.v3.clientSecret,
      String(rotated.body!.partnerApiKey),
      String(webhook.body!.webhookSecret),
      'callback-key-from-greenhouse',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(described.body).toMatchObject({
      greenhouse: { status: 'connected', auditUserId: String(enterprise().siteAdmin.id) },
      customFieldMappings: expect.arrayContaining([expect.objectContaining({ resultField: 'score' })]),
    });
  });

  it('connects through the v3 authorization-code flow, with the refresh token stored encrypted', async () => {
    const tenantId = await newTenant('acme-oauth');
    const partner = sb.admin.addV3Client(enterprise().org.id, { scopes: 'all', integration: 'partner' });
    const started = await api.call('POST', `/operator/tenants/${tenantId}/greenhouse/authorization`, {
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
      greenhouseHost: 'app3.greenhouse.io',
      harvestBaseUrl: sb.url,
      authBaseUrl: sb.url,
    });
    expect(started.status).toBe(201);
    const authorizeUrl = new URL(String(started.body!.authorizeUrl));
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${api.url}/oauth/greenhouse/callback`);
    // Greenhouse's consent needs the scopes, space-separated.
    expect(authorizeUrl.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['harvest:applications:update', 'harvest:attachments:create']),
    );

    // The customer's admin consents in Greenhouse, which redirects their browser back to us.
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = consent.headers.get('location')!;
    expect(callback.startsWith(`${api.url}/oauth/greenhouse/callback?`)).toBe(true);
    const landed = await fetch(callback);
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('Greenhouse is connected');

    const stored = await database.db.greenhouseConnection.findUniqueOrThrow({ where: { tenantId } });
    expect(stored).toMatchObject({
      authKind: 'v3_authorization_code',
      auditUserId: String(enterprise().siteAdmin.id),
    });
    const tokens = JSON.parse(
      api.secrets.decrypt(stored.refreshTokenCiphertext!, `refresh-token:${tenantId}`),
    );
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(stored.refreshTokenCiphertext).not.toContain(tokens.refreshToken);
    expect(await database.db.greenhouseAuthorization.count({ where: { tenantId } })).toBe(0);

    const check = await api.call('POST', `/operator/tenants/${tenantId}/greenhouse/permission-check`);
    expect(check.body).toMatchObject({ ok: true, credentialValid: true });

    // The state is single-use: the same callback link cannot connect again.
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/unknown or has expired/);
  });

  it('rejects a mapping whose field cannot hold the value, naming it, and keeps the old mappings', async () => {
    const tenantId = await newTenant('acme-mapping');
    await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, v3Body());
    const fields = await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/custom-fields`);
    const appFields = fields.body!.application as { id: string; name: string; valueType: string }[];
    const number = appFields.find((f) => f.valueType === 'number')!;
    const yesNo = appFields.find((f) => f.valueType === 'yes_no')!;
    await api.call('PUT', `/operator/tenants/${tenantId}/custom-field-mappings`, {
      mappings: [{ resultField: 'score', scope: 'application', customFieldId: number.id }],
    });

    const wrong = await api.call('PUT', `/operator/tenants/${tenantId}/custom-field-mappings`, {
      mappings: [
        { resultField: 'pass_fail', scope: 'application', customFieldId: yesNo.id },
        { resultField: 'score', scope: 'application', customFieldId: yesNo.id },
      ],
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body!.error).toMatchObject({ field: 'mappings.1.customFieldId' });
    expect(wrong.body!.error!.message).toMatch(/score cannot be written to ".*" \(a yes_no field\)/);
    const kept = await database.db.customFieldMapping.findMany({ where: { tenantId } });
    expect(kept.map((m) => [m.resultField, m.customFieldId])).toEqual([['score', number.id]]);

    const unknown = await api.call('PUT', `/operator/tenants/${tenantId}/custom-field-mappings`, {
      mappings: [{ resultField: 'score', scope: 'candidate', customFieldId: 999999 }],
    });
    expect(unknown).toMatchObject({ status: 422, body: { error: { field: 'mappings.0.customFieldId' } } });
  });

  it('v1 retired (the default): a v1 key is probed, refused with the way to v3, and nothing is saved', async () => {
    sb.settings.v1 = 'retired';
    try {
      const tenantId = await newTenant('acme-v1-retired');
      const refused = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
        kind: 'v1_key',
        apiKey: enterprise().credentials.v1.key,
        auditUserId: enterprise().siteAdmin.id,
        greenhouseHost: 'app3.greenhouse.io',
        harvestBaseUrl: sb.url,
      });
      expect(refused.status).toBe(422);
      expect(refused.body!.error).toMatchObject({ field: 'kind' });
      expect(refused.body!.error!.message).toMatch(/retired Harvest v1/);
      expect(refused.body!.error!.message).toMatch(/authorization code for partners/);
      expect(refused.body!.error!.message).toContain(
        `/operator/tenants/${tenantId}/greenhouse/authorization`,
      );
      expect(await database.db.greenhouseConnection.count({ where: { tenantId } })).toBe(0);
    } finally {
      sb.settings.v1 = 'live';
    }
  });

  it('a connected v1 tenant whose calls start answering "retired" is marked disconnected with that reason', async () => {
    const tenantId = await newTenant('acme-v1-sunset');
    const connected = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
      kind: 'v1_key',
      apiKey: enterprise().credentials.v1.key,
      auditUserId: enterprise().siteAdmin.id,
      greenhouseHost: 'app3.greenhouse.io',
      harvestBaseUrl: sb.url,
    });
    expect(connected.status).toBe(200);
    sb.settings.v1 = 'retired';
    try {
      const users = await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/users`);
      expect(users.status).toBe(422);
      expect(users.body!.error!.message).toMatch(/retired Harvest v1/);
      const described = await api.call('GET', `/operator/tenants/${tenantId}`);
      expect(described.body).toMatchObject({
        status: 'disconnected',
        greenhouse: {
          status: 'disconnected',
          statusReason: expect.stringMatching(/retired Harvest v1.*reconnect the customer on Harvest v3/),
        },
      });
    } finally {
      sb.settings.v1 = 'live';
    }
  });

  it('reports, in plain words, the permissions a v1 key lacks', async () => {
    const tenantId = await newTenant('acme-v1');
    const limited = sb.admin.addV1Key(enterprise().org.id, [
      'Users: List',
      'Jobs: List',
      'Candidates: List',
      'Candidates: Retrieve',
      'Applications: List',
      'Applications: Retrieve',
      'Custom Fields: List',
    ]);
    const connected = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
      kind: 'v1_key',
      apiKey: limited.key,
      auditUserId: enterprise().siteAdmin.id,
      greenhouseHost: 'app3.greenhouse.io',
      harvestBaseUrl: sb.url,
    });
    expect(connected.status).toBe(200);
    // Legacy: v1 still answers in this sandbox, so the key is accepted, with the retirement named.
    expect((connected.body!.warnings as string[])[0]).toMatch(
      /Harvest v1 was retired by Greenhouse on 2026-08-31/,
    );
    const check = await api.call('POST', `/operator/tenants/${tenantId}/greenhouse/permission-check`);
    expect(check.status).toBe(200);
    expect(check.body!.ok).toBe(false);
    const missing = (check.body!.checks as { capability: string; status: string; message: string }[]).filter(
      (c) => c.status === 'missing',
    );
    expect(missing.map((c) => c.capability)).toEqual(
      expect.arrayContaining(['add_attachments', 'add_notes', 'update_applications']),
    );
    expect(missing.find((c) => c.capability === 'add_attachments')!.message).toMatch(
      /lacks permission to add attachments to applications/,
    );
    expect(String(check.body!.problems)).toMatch(/add attachments to applications/);
    // A missing permission is not a broken credential: the tenant stays connected.
    expect(check.body!.credentialValid).toBe(true);
    const described = await api.call('GET', `/operator/tenants/${tenantId}`);
    expect(described.body).toMatchObject({ status: 'active', greenhouse: { status: 'connected' } });

    // v1 writes go On-Behalf-Of the audit user: a plain user is allowed, with a warning.
    const users = (await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/users`))
      .body as unknown as {
      id: string;
      siteAdmin: boolean;
      disabled: boolean;
    }[];
    const plainUser = users.find((u) => !u.siteAdmin && !u.disabled)!;
    const warned = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse/audit-user`, {
      userId: plainUser.id,
    });
    expect(warned.status).toBe(200);
    expect(String((warned.body!.warnings as string[])[0])).toMatch(/is not a Site Admin/);
    const disabled = users.find((u) => u.disabled)!;
    const off = await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse/audit-user`, {
      userId: disabled.id,
    });
    expect(off).toMatchObject({ status: 422, body: { error: { field: 'userId' } } });
  });

  it('says when application custom fields are unavailable and candidate fields must be used', async () => {
    const tenantId = await newTenant('standard-plan');
    await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, v3Body(sb.orgs[1]!));
    const fields = await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/custom-fields`);
    expect(fields.body).toMatchObject({ applicationCustomFieldsAvailable: false, application: [] });
    expect(String(fields.body!.note)).toMatch(/candidate custom fields/);
    expect((fields.body!.candidate as unknown[]).length).toBeGreaterThan(0);
  });

  it('refuses a credential Greenhouse rejects and saves nothing', async () => {
    const tenantId = await newTenant('acme-bad-secret');
    const before = await rowCounts();
    const res = await api.call(
      'PUT',
      `/operator/tenants/${tenantId}/greenhouse`,
      v3Body(enterprise(), {
        clientSecret: 'wrong-secret',
      }),
    );
    expect(res.status).toBe(422);
    expect(res.body!.error!.message).toMatch(/Greenhouse rejected the credential/);
    expect(res.body!.error!.message).not.toContain('wrong-secret');
    expect(await rowCounts()).toEqual(before);
  });

  it('marks the tenant disconnected when its credential stops working; reconnecting is one call', async () => {
    const tenantId = await newTenant('acme-revoked');
    const client = sb.admin.addV3Client(enterprise().org.id, { scopes: 'all' });
    const body = v3Body(enterprise(), { clientId: client.clientId, clientSecret: client.clientSecret });
    expect((await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, body)).status).toBe(200);

    sb.admin.revokeCredential(client.id);
    const check = await api.call('POST', `/operator/tenants/${tenantId}/greenhouse/permission-check`);
    expect(check.status).toBe(422);
    const described = await api.call('GET', `/operator/tenants/${tenantId}`);
    expect(described.body).toMatchObject({ status: 'disconnected', greenhouse: { status: 'disconnected' } });
    expect(String((described.body!.greenhouse as { statusReason: string }).statusReason)).toMatch(
      /Greenhouse rejected the credential/,
    );

    sb.admin.restoreCredential(client.id);
    expect((await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, body)).status).toBe(200);
    const after = await api.call('GET', `/operator/tenants/${tenantId}`);
    expect(after.body).toMatchObject({
      status: 'active',
      greenhouse: { status: 'connected', statusReason: null },
    });
  });

  it.each([
    ['POST', '/operator/tenants', { slug: 'Bad Slug!', name: 'x' }, 400, 'slug'],
    ['POST', '/operator/tenants', { slug: 'ok-slug' }, 400, 'name'],
    ['POST', '/operator/tenants', { slug: 'ok-slug', name: 'x', extra: 1 }, 400, 'body'],
    ['PUT', '/operator/tenants/:t/greenhouse', { kind: 'v2_magic' }, 400, 'kind'],
    [
      'PUT',
      '/operator/tenants/:t/greenhouse',
      { kind: 'v3_client_credentials', clientSecret: 's' },
      400,
      'clientId',
    ],
    [
      'PUT',
      '/operator/tenants/:t/greenhouse',
      { kind: 'v1_key', apiKey: 'k', greenhouseHost: 'bad host/' },
      400,
      'greenhouseHost',
    ],
    ['PUT', '/operator/tenants/:t/greenhouse/audit-user', { userId: 'abc' }, 400, 'userId'],
    [
      'PUT',
      '/operator/tenants/:t/custom-field-mappings',
      { mappings: [{ resultField: 'iq', scope: 'application', customFieldId: 1 }] },
      400,
      'mappings.0.resultField',
    ],
    [
      'PUT',
      '/operator/tenants/:t/job-test-mappings',
      { mappings: [{ jobId: -1, testId: 'x' }] },
      400,
      'mappings.0.jobId',
    ],
    [
      'PUT',
      '/operator/tenants/:t/stage-test-mappings',
      { mappings: [{ jobId: 1, stageId: 2 }] },
      400,
      'mappings.0.testId',
    ],
    ['POST', '/operator/tenants/:t/modes/everything/activate', {}, 400, 'mode'],
    ['POST', '/operator/tenants/:t/modes/greenhouse_invite/activate', { rotate: 'yes' }, 400, 'rotate'],
  ])('%s %s %j → %i naming %s, nothing written', async (method, path, body, status, field) => {
    const tenantId = await newTenant(`bad-${Math.random().toString(36).slice(2, 10)}`);
    const before = await rowCounts();
    const res = await api.call(method, path.replace(':t', tenantId), body);
    expect(res.status).toBe(status);
    expect(res.body!.error).toMatchObject({ field });
    expect(await rowCounts()).toEqual(before);
  });

  it('answers 409 for a taken slug, 404 for an unknown tenant, 409 for steps that need a connection', async () => {
    await newTenant('taken');
    const dup = await api.call('POST', '/operator/tenants', { slug: 'taken', name: 'again' });
    expect(dup).toMatchObject({ status: 409, body: { error: { field: 'slug' } } });
    expect((await api.call('GET', '/operator/tenants/ten_nope')).status).toBe(404);
    const lonely = await newTenant('not-connected');
    expect((await api.call('GET', `/operator/tenants/${lonely}/greenhouse/users`)).status).toBe(409);
    const vendor = await api.call('POST', `/operator/tenants/${lonely}/modes/vendor_invite/activate`, {});
    expect(vendor.status).toBe(409);
    expect(vendor.body!.error!.message).toMatch(/needs a working Greenhouse connection/);
  });
});
