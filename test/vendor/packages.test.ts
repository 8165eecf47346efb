import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneQuestionTest, startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { TEST_OPERATOR_KEY } from '../helpers/app.js';

type Body = Record<string, unknown> & { error?: { code: string; message: string; field?: string } };

const proctored = {
  name: 'Proctored SQL',
  kind: 'assessment',
  hosted_by: 'vendor',
  launch_url: 'https://tests.vendor.example/launch',
  result: {
    score: { min: 0, max: 100 },
    pass_mark: 60,
    attributes: [{ key: 'percentile', label: 'Percentile', type: 'number' }],
  },
};

/**
 * The vendor's package catalogue and its enabling per tenant, over real HTTP on the app, a real
 * PostgreSQL, and the Greenhouse sandbox calling our partner list_tests.
 */
describe('vendor packages: integration keys, sync, enabling, list_tests', () => {
  let stack: AssessmentStack;
  let vendorKey: string;
  let scopedKey: string;
  let otherTenant: string;

  const call = (key: string) => (method: string, path: string, body?: unknown) =>
    stack.api.call(method, path, body, { authorization: `Bearer ${key}` }) as Promise<{
      status: number;
      body: Body | null;
    }>;
  const operator = call(TEST_OPERATOR_KEY);
  const vendor = (method: string, path: string, body?: unknown) => call(vendorKey)(method, path, body);
  const createKey = async (body: Record<string, unknown>) => {
    const res = await operator('POST', '/operator/keys', body);
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; role: string; tenantId: string | null };
  };
  const counts = async () => ({
    packages: await stack.database.db.vendorPackage.count(),
    versions: await stack.database.db.vendorPackageVersion.count(),
    enabled: await stack.database.db.tenantVendorPackage.count(),
    mappings: await stack.database.db.vendorAttributeMapping.count(),
    tests: await stack.database.db.assessmentTest.count(),
  });
  const listTests = async () => {
    const r = await stack.sb.admin.listTests(stack.org.org.id);
    expect(r.errors).toEqual([]);
    return r.body as { partner_test_id: string; partner_test_name: string }[];
  };

  beforeAll(async () => {
    stack = await startAssessmentStack();
    otherTenant = String(
      (await operator('POST', '/operator/tenants', { slug: 'other', name: 'Other' })).body!.id,
    );
    vendorKey = (await createKey({ name: 'vendor product', role: 'integration' })).key;
    scopedKey = (await createKey({ name: 'vendor for acme', role: 'integration', tenantId: stack.tenantId }))
      .key;
  }, 240_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('creates a package (201), answers the same content with the same version, and bumps changed content', async () => {
    const created = await vendor('PUT', '/vendor/v1/packages/sql-proctored', proctored);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'sql-proctored',
      name: 'Proctored SQL',
      kind: 'assessment',
      hosted_by: 'vendor',
      launch_url: 'https://tests.vendor.example/launch',
      deadline_days: 7,
      reminders: [],
      result: proctored.result,
      version: 1,
    });
    // Same content, keys in another order: same version.
    const again = await vendor('PUT', '/vendor/v1/packages/sql-proctored', {
      ...Object.fromEntries(Object.entries(proctored).reverse()),
      deadline_days: 7,
    });
    expect(again.status).toBe(200);
    expect(again.body!.version).toBe(1);
    const changed = await vendor('PUT', '/vendor/v1/packages/sql-proctored', {
      ...proctored,
      deadline_days: 10,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, deadline_days: 10 });
    const stored = await stack.database.db.vendorPackageVersion.findMany({
      where: { packageId: 'sql-proctored' },
      orderBy: { version: 'asc' },
    });
    expect(stored.map((v) => [v.version, (v.definition as { deadlineDays: number }).deadlineDays])).toEqual([
      [1, 7],
      [2, 10],
    ]);
    expect(stored[0]!.definition).toMatchObject({ kind: 'vendor_hosted', packageId: 'sql-proctored' });
    expect((await vendor('GET', '/vendor/v1/packages/sql-proctored')).body).toMatchObject({ version: 2 });
  });

  it('refuses bad packages naming the field, and changes nothing', async () => {
    const before = await counts();
    const cases: [string, unknown, string][] = [
      [
        'sql-proctored',
        { ...proctored, result: { ...proctored.result, pass_mark: 101 } },
        'result.pass_mark',
      ],
      ['sql-proctored', { ...proctored, launch_url: 'ftp://x.example/' }, 'launch_url'],
      ['sql-proctored', { ...proctored, hosted_by: 'greenroom' }, 'hosted_by'],
      ['sql-proctored', { ...proctored, reminders: [12], deadline_days: 10 }, 'reminders'],
      [
        'sql-proctored',
        {
          ...proctored,
          result: { ...proctored.result, attributes: [{ key: 'Bad Key', label: 'x', type: 'number' }] },
        },
        'result.attributes.0.key',
      ],
      ['bad id!', proctored, 'package_id'],
      ['new-one', { ...proctored, name: undefined }, 'name'],
    ];
    for (const [id, body, field] of cases) {
      const res = await vendor('PUT', `/vendor/v1/packages/${encodeURIComponent(id)}`, body);
      expect(res.status, field).toBe(400);
      expect(res.body!.error!.field, field).toBe(field);
    }
    // Changing a package's kind would turn a test into a reference check under running journeys.
    const kind = await vendor('PUT', '/vendor/v1/packages/sql-proctored', {
      ...proctored,
      kind: 'reference_check',
    });
    expect(kind.status).toBe(409);
    expect(kind.body!.error!.field).toBe('kind');
    expect(await counts()).toEqual(before);
    expect((await vendor('GET', '/vendor/v1/packages/sql-proctored')).body).toMatchObject({ version: 2 });
  });

  it('pages the package list with an opaque cursor', async () => {
    await vendor('PUT', '/vendor/v1/packages/refs-vendor', {
      ...proctored,
      name: 'Vendor references',
      kind: 'reference_check',
      result: { score: null, pass_mark: null, attributes: [] },
    });
    const first = await vendor('GET', '/vendor/v1/packages?limit=1');
    expect(first.status).toBe(200);
    expect((first.body!.data as { id: string }[]).map((p) => p.id)).toEqual(['refs-vendor']);
    const second = await vendor(
      'GET',
      `/vendor/v1/packages?limit=1&cursor=${String(first.body!.next_cursor)}`,
    );
    expect((second.body!.data as { id: string }[]).map((p) => p.id)).toEqual(['sql-proctored']);
    expect(second.body!.next_cursor).toBeNull();
    const bad = await vendor('GET', '/vendor/v1/packages?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body!.error!.field).toBe('cursor');
    expect((await vendor('GET', '/vendor/v1/packages?limit=500')).body!.error!.field).toBe('limit');
  });

  it('enables a package for a tenant (admin, audited): list_tests in Greenhouse shows it next to built-in tests', async () => {
    expect((await listTests()).map((t) => t.partner_test_id)).toEqual(['js-basics']);
    const auditBefore = await stack.database.db.auditEntry.count({
      where: { action: 'vendor-packages.enable' },
    });
    const res = await operator('PUT', `/operator/tenants/${stack.tenantId}/vendor-packages/sql-proctored`, {
      enabled: true,
      invite_delivery: 'vendor',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tenant_id: stack.tenantId,
      package_id: 'sql-proctored',
      enabled: true,
      invite_delivery: 'vendor',
      current_version: 2,
    });
    expect(await stack.database.db.auditEntry.count({ where: { action: 'vendor-packages.enable' } })).toBe(
      auditBefore + 1,
    );
    expect(await listTests()).toEqual([
      { partner_test_id: 'js-basics', partner_test_name: 'JavaScript basics' },
      { partner_test_id: 'sql-proctored', partner_test_name: 'Proctored SQL' },
    ]);
    // The catalogue reads it as a vendor-hosted entry, the current version pinned by default.
    const entry = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}/tests/sql-proctored`);
    expect(entry.status).toBe(200);
    expect(entry.body).toMatchObject({ kind: 'vendor_hosted', version: 2, active: true });
    const tests = await operator('GET', `/operator/tenants/${stack.tenantId}/tests`);
    expect(
      (tests.body as unknown as { testId: string; kind: string }[]).map((t) => [t.testId, t.kind]),
    ).toEqual([
      ['js-basics', 'assessment'],
      ['sql-proctored', 'vendor_hosted'],
    ]);
    expect((await operator('GET', `/operator/tenants/${stack.tenantId}/vendor-packages`)).body).toHaveLength(
      1,
    );
    // Another tenant does not see it.
    expect((await operator('GET', `/operator/tenants/${otherTenant}/vendor-packages`)).body).toEqual([]);

    // Disabled: out of list_tests, still readable for journeys that pinned it.
    await operator('PUT', `/operator/tenants/${stack.tenantId}/vendor-packages/sql-proctored`, {
      enabled: false,
    });
    expect((await listTests()).map((t) => t.partner_test_id)).toEqual(['js-basics']);
    await operator('PUT', `/operator/tenants/${stack.tenantId}/vendor-packages/sql-proctored`, {
      enabled: true,
    });
    expect((await listTests()).map((t) => t.partner_test_id)).toContain('sql-proctored');
  });

  it('refuses enabling a package whose id is a built-in test of the tenant (409), and a built-in test taking a package id', async () => {
    await vendor('PUT', '/vendor/v1/packages/js-basics', { ...proctored, name: 'Clashing' });
    const before = await counts();
    const res = await operator('PUT', `/operator/tenants/${stack.tenantId}/vendor-packages/js-basics`, {
      enabled: true,
    });
    expect(res.status).toBe(409);
    expect(res.body!.error!.field).toBe('packageId');
    const test = await operator('PUT', `/operator/tenants/${stack.tenantId}/tests/sql-proctored`, {
      ...oneQuestionTest,
      testId: 'sql-proctored',
    });
    expect(test.status).toBe(409);
    expect(test.body!.error!.field).toBe('testId');
    const unknown = await operator('PUT', `/operator/tenants/${stack.tenantId}/vendor-packages/nope`, {
      enabled: true,
    });
    expect(unknown.status).toBe(404);
    const bad = await operator('PUT', `/operator/tenants/${stack.tenantId}/vendor-packages/sql-proctored`, {
      enabled: 'yes',
    });
    expect(bad.status).toBe(400);
    expect(bad.body!.error!.field).toBe('enabled');
    expect(await counts()).toEqual(before);
  });

  it('maps declared attributes to real Greenhouse custom fields; refuses undeclared attributes and unknown fields', async () => {
    const fields = (await operator('GET', `/operator/tenants/${stack.tenantId}/greenhouse/custom-fields`))
      .body!.application as { id: string; valueType: string; name: string }[];
    const number = fields.find((f) => f.valueType === 'number')!;
    const path = `/operator/tenants/${stack.tenantId}/vendor-packages/sql-proctored/attribute-mappings`;
    const before = await counts();
    const undeclared = await operator('PUT', path, {
      mappings: [{ attribute: 'iq', scope: 'application', custom_field_id: number.id }],
    });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body!.error!.field).toBe('mappings.0.attribute');
    const noField = await operator('PUT', path, {
      mappings: [{ attribute: 'percentile', scope: 'application', custom_field_id: '999999999' }],
    });
    expect(noField.status).toBe(422);
    expect(noField.body!.error!.field).toBe('mappings.0.custom_field_id');
    expect(await counts()).toEqual(before);
    const ok = await operator('PUT', path, {
      mappings: [{ attribute: 'percentile', scope: 'application', custom_field_id: number.id }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body!.mappings).toEqual([
      {
        attribute: 'percentile',
        scope: 'application',
        custom_field_id: number.id,
        value_type: 'number',
        field_name: number.name,
      },
    ]);
    expect(
      await stack.database.db.vendorAttributeMapping.count({ where: { tenantId: stack.tenantId } }),
    ).toBe(1);
  });

  it('tenant-scoped keys see their tenant’s packages only and cannot write packages', async () => {
    const scoped = call(scopedKey);
    const list = await scoped('GET', '/vendor/v1/packages');
    expect((list.body!.data as { id: string }[]).map((p) => p.id)).toEqual(['sql-proctored']);
    expect((await scoped('GET', '/vendor/v1/packages/refs-vendor')).status).toBe(404);
    const before = await counts();
    const put = await scoped('PUT', '/vendor/v1/packages/sql-proctored', { ...proctored, name: 'Renamed' });
    expect(put.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('keeps the two key kinds apart: operator keys get 401 on /vendor/v1, integration keys on /operator; revoked keys 401', async () => {
    expect((await operator('GET', '/vendor/v1/packages')).status).toBe(401);
    const support = await createKey({ name: 'support', role: 'support' });
    expect((await call(support.key)('GET', '/vendor/v1/packages')).status).toBe(401);
    expect((await vendor('GET', `/operator/tenants/${stack.tenantId}/vendor-packages`)).status).toBe(401);
    expect((await vendor('GET', '/operator/keys')).status).toBe(401);
    expect((await call('garbage')('GET', '/vendor/v1/packages')).status).toBe(401);
    expect(
      (await stack.api.call('GET', '/vendor/v1/packages', undefined, { authorization: '' })).status,
    ).toBe(401);

    const doomed = await createKey({ name: 'short-lived', role: 'integration' });
    expect((await call(doomed.key)('GET', '/vendor/v1/packages')).status).toBe(200);
    const row = await stack.database.db.operatorKey.findUniqueOrThrow({ where: { id: doomed.id } });
    expect(row.lastUsedAt).not.toBeNull();
    expect((await operator('POST', `/operator/keys/${doomed.id}/revoke`)).status).toBe(200);
    expect((await call(doomed.key)('GET', '/vendor/v1/packages')).status).toBe(401);
  });
});
