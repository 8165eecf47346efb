import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { spawnEntry } from '../../harness/processes.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, uniqueTaskQueue } from '../helpers/temporal.js';

interface Entry {
  id: number;
  at: string;
  actor: string;
  role: string;
  tenantId: string | null;
  journeyId: string | null;
  action: string;
  outcome: string;
  detail: unknown;
}
interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

// GET /operator/audit and `greenroom audit` over real HTTP on a real PostgreSQL; every entry read
// here was written by a real operator action through the API.
describe('the audit trail, readable', () => {
  let database: TestDatabase;
  let temporal: Client;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tenantA: string;
  let tenantB: string;
  const journeyA = 'assessment:audit-a:1';
  const keys: Record<'supportA' | 'adminB' | 'metrics', string> = { supportA: '', adminB: '', metrics: '' };
  /** Between the first batch of actions and the second. */
  let middle: string;

  const as =
    (key = TEST_OPERATOR_KEY) =>
    (method: string, path: string, body?: unknown) =>
      api.call(method, `/operator${path}`, body, { authorization: `Bearer ${key}` });
  const bootstrap = as();
  const read = async (query: Record<string, string>, key?: string) => {
    const res = await as(key)('GET', `/audit?${new URLSearchParams(query).toString()}`);
    return { status: res.status, body: res.body as unknown as Page & { error?: { field?: string } } };
  };
  /** Every page, following nextCursor. */
  const readAll = async (query: Record<string, string>, key?: string) => {
    const entries: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await read({ ...query, ...(cursor ? { cursor } : {}) }, key);
      expect(status).toBe(200);
      entries.push(...body.entries);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);
    return { entries, pages };
  };
  const cli = async (args: string[], key = TEST_OPERATOR_KEY) => {
    const run = spawnEntry('cli/greenroom.ts', { GREENROOM_URL: api.url, GREENROOM_OPERATOR_KEY: key }, args);
    const code = await run.exited;
    return { code, output: run.output() };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    api = await startTestApi({ db: database.db, temporal, taskQueue: uniqueTaskQueue('audit-log') });
    tenantA = String((await bootstrap('POST', '/tenants', { slug: 'audit-a', name: 'A' })).body!.id);
    tenantB = String((await bootstrap('POST', '/tenants', { slug: 'audit-b', name: 'B' })).body!.id);
    const key = async (name: string, role: string, tenantId?: string) =>
      String((await bootstrap('POST', '/keys', { name, role, ...(tenantId ? { tenantId } : {}) })).body!.key);
    keys.supportA = await key('sam@vendor.example', 'support', tenantA);
    keys.adminB = await key('bea@vendor.example', 'admin', tenantB);
    keys.metrics = await key('prometheus', 'metrics');
    await database.db.journey.create({
      data: { id: journeyA, tenantId: tenantA, kind: 'assessment', status: 'invited', trigger: 'vendor' },
    });
    // First batch: settings on both tenants, one refused (support may not change settings).
    expect(
      (await bootstrap('PUT', `/tenants/${tenantA}/settings`, { reportVisibility: 'private' })).status,
    ).toBe(200);
    expect(
      (await as(keys.adminB)('PUT', `/tenants/${tenantB}/settings`, { reportLinkLifetimeDays: 10 })).status,
    ).toBe(200);
    expect(
      (await as(keys.supportA)('PUT', `/tenants/${tenantA}/settings`, { reportVisibility: 'public' })).status,
    ).toBe(403);
    await new Promise((r) => setTimeout(r, 20));
    middle = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // Second batch: a journey action by the tenant's support key, a refused one from another tenant.
    expect(
      (await as(keys.supportA)('POST', `/journeys/${encodeURIComponent(journeyA)}/report-links/revoke`, {}))
        .status,
    ).toBe(200);
    expect(
      (await as(keys.adminB)('PUT', `/tenants/${tenantA}/settings`, { reportVisibility: 'public' })).status,
    ).toBe(404);
  });
  afterAll(async () => {
    await api?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('lists every entry newest first for an unscoped key, as stored', async () => {
    const { entries } = await readAll({});
    const stored = await database.db.auditEntry.findMany({ orderBy: { id: 'desc' } });
    expect(entries.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(entries[0]).toEqual({
      ...stored[0],
      at: stored[0]!.at.toISOString(),
    });
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'tenants.create',
        'keys.create',
        'tenants.settings',
        'journey.report_links.revoke',
      ]),
    );
  });

  it('filters by tenant, actor, action, journey and time', async () => {
    const stored = await database.db.auditEntry.findMany({ orderBy: { id: 'desc' } });
    const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

    const ofA = (await readAll({ tenantId: tenantA })).entries;
    expect(ids(ofA)).toEqual(ids(stored.filter((e) => e.tenantId === tenantA)));
    expect(ofA.length).toBeGreaterThanOrEqual(3);

    const bySam = (await readAll({ actor: 'sam@vendor.example' })).entries;
    expect(bySam.map((e) => [e.action, e.outcome])).toEqual([
      ['journey.report_links.revoke', 'ok'],
      ['tenants.settings', 'refused'],
    ]);

    const settings = (await readAll({ action: 'tenants.settings', tenantId: tenantB })).entries;
    // Bea's try on tenant A is kept in her own tenant's trail, in the words an unknown tenant gets.
    expect(settings.map((e) => [e.actor, e.outcome, e.detail])).toEqual([
      ['bea@vendor.example', 'refused', { error: `no tenant ${tenantA}` }],
      ['bea@vendor.example', 'ok', { settings: ['reportLinkLifetimeDays'] }],
    ]);

    const ofJourney = (await readAll({ journeyId: journeyA })).entries;
    expect(ofJourney.map((e) => [e.action, e.detail])).toEqual([
      ['journey.report_links.revoke', { revoked: 0 }],
    ]);

    const after = (await readAll({ from: middle })).entries;
    const before = (await readAll({ to: middle })).entries;
    expect(ids(after)).toEqual(ids(stored.filter((e) => e.at >= new Date(middle))));
    expect(ids(before)).toEqual(ids(stored.filter((e) => e.at < new Date(middle))));
    expect(after.map((e) => e.action).sort()).toEqual(['journey.report_links.revoke', 'tenants.settings']);
    expect(after.length + before.length).toBe(stored.length);
    expect(
      (await readAll({ from: middle, to: new Date(Date.parse(middle) + 1).toISOString() })).entries,
    ).toEqual([]);
  });

  it('pages with an opaque cursor: every entry once, in order, even while entries are added', async () => {
    const all = (await readAll({})).entries;
    const { entries, pages } = await readAll({ limit: '2' });
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(entries.map((e) => e.id)).toEqual(all.map((e) => e.id));

    // An action between two pages: not on the later pages (they go back in time), nothing twice.
    const first = await read({ limit: '3' });
    expect(first.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(
      (await bootstrap('PUT', `/tenants/${tenantB}/settings`, { reportVisibility: 'public' })).status,
    ).toBe(200);
    const rest = await readAll({ cursor: first.body.nextCursor!, limit: '3' });
    const seen = [...first.body.entries, ...rest.entries].map((e) => e.id);
    expect(seen).toEqual(all.map((e) => e.id));
    expect((await read({ limit: '1' })).body.entries[0]!.action).toBe('tenants.settings');
  });

  it('keeps to the key’s scope: a tenant key sees its tenant; metrics keys and strangers see nothing', async () => {
    const stored = await database.db.auditEntry.findMany({ orderBy: { id: 'desc' } });
    const seenBySam = (await readAll({}, keys.supportA)).entries;
    expect(seenBySam.length).toBeGreaterThan(0);
    expect(new Set(seenBySam.map((e) => e.tenantId))).toEqual(new Set([tenantA]));
    expect(seenBySam.map((e) => e.id)).toEqual(stored.filter((e) => e.tenantId === tenantA).map((e) => e.id));
    // Bea's refused try on tenant A is recorded under her own tenant: A's trail does not show it.
    expect(seenBySam.some((e) => e.actor === 'bea@vendor.example')).toBe(false);
    const seenByBea = (await readAll({ actor: 'bea@vendor.example' }, keys.adminB)).entries;
    expect(seenByBea.map((e) => [e.tenantId, e.outcome])).toEqual([
      [tenantB, 'refused'],
      [tenantB, 'ok'],
    ]);

    const other = await read({ tenantId: tenantB }, keys.supportA);
    expect(other.status).toBe(404);
    expect(other.body.error).toMatchObject({ code: 'not_found' });
    const metrics = await read({}, keys.metrics);
    expect(metrics.status).toBe(403);
    expect(metrics.body.error).toMatchObject({ code: 'forbidden' });
    expect((await read({}, 'gro_not-a-key-at-all-0000000000000000000000')).status).toBe(401);
  });

  it('refuses bad queries with the field named, and reading writes nothing', async () => {
    const count = await database.db.auditEntry.count();
    const cases: [Record<string, string>, string][] = [
      [{ limit: '0' }, 'limit'],
      [{ limit: '501' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-12-01' }, 'to'],
      [{ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'to'],
      [{ cursor: 'not-ours' }, 'cursor'],
      [{ cursor: Buffer.from(JSON.stringify({ i: 'x' })).toString('base64url') }, 'cursor'],
      [{ tenant: tenantA }, 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await read(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error, JSON.stringify(query)).toMatchObject({ code: 'invalid_input', field });
    }
    expect(await database.db.auditEntry.count()).toBe(count);
  });

  it('greenroom audit: filters from the command line, as a table or JSON', async () => {
    const json = await cli(['audit', '--tenant', tenantA, '--since', '1h', '--json']);
    expect(json.code).toBe(0);
    const page = JSON.parse(json.output) as Page;
    expect(page.entries.length).toBeGreaterThan(0);
    expect(new Set(page.entries.map((e) => e.tenantId))).toEqual(new Set([tenantA]));

    const table = await cli(['audit', '--action', 'journey.report_links.revoke', '--since', middle]);
    expect(table.code).toBe(0);
    const lines = table.output.trim().split('\n');
    expect(lines[0]).toMatch(/^at\s+actor\s+role\s+action\s+outcome/);
    expect(lines.slice(2)).toHaveLength(1);
    expect(lines[2]).toContain('sam@vendor.example');

    const paged = await cli(['audit', '--limit', '1']);
    expect(paged.output).toMatch(/More: --cursor [A-Za-z0-9_-]+/);
    expect((await cli(['audit', '--until', '2000-01-01T00:00:00Z'])).output).toContain('No audit entries.');

    const bad = await cli(['audit', '--since', 'last week']);
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/--since must be an ISO 8601 time/);
    const scoped = await cli(['audit', '--tenant', tenantB], keys.supportA);
    expect(scoped.code).toBe(1);
    expect(scoped.output).toMatch(/404 not_found/);
    const metrics = await cli(['audit'], keys.metrics);
    expect(metrics.code).toBe(1);
    expect(metrics.output).toMatch(/403 forbidden/);
  }, 120_000);
});
