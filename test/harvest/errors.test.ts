import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import { checkHarvestPermissions, HarvestError, toActivityFailure } from '../../greenhouse/harvest/index.js';
import { collect, sandboxClient, type Version } from './helpers.js';

let sb: Sandbox;
let org: SeededOrg;
const secrets: string[] = [];

beforeAll(async () => {
  sb = await startSandbox({
    // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
    v1: 'live',
    orgs: [{ candidates: 10 }],
    rateLimit: { v1: { limit: 1000, windowMs: 1000 }, v3: { limit: 1000, windowMs: 1000 } },
  });
  org = sb.orgs[0]!;
  secrets.push(org.credentials.v1.key, org.credentials.v3.clientSecret);
});
afterAll(async () => sb?.close());

async function failure(p: Promise<unknown>): Promise<HarvestError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HarvestError);
    const e = err as HarvestError;
    for (const s of secrets) expect(e.message).not.toContain(s);
    expect(JSON.stringify(e.toJSON())).not.toMatch(/Bearer |Basic /);
    return e;
  }
  throw new Error('expected a HarvestError');
}

const pdf = {
  filename: 'r.pdf',
  type: 'other',
  content: 'JVBERg==',
  contentType: 'application/pdf',
} as const;

describe.each<Version>(['v1', 'v3'])('Harvest %s errors, classified with plain messages', (version) => {
  it('401: a rejected credential', async () => {
    const client =
      version === 'v1'
        ? sandboxClient(sb, org, 'v1', { apiKey: 'ghv1_not_a_key' })
        : sandboxClient(sb, org, 'v3', { clientSecret: 'wrong-secret' });
    const e = await failure(client.getApplication(org.org.applications.all()[0]!.id));
    expect(e).toMatchObject({ kind: 'unauthorized', retryable: false, status: 401 });
    expect(e.message).toBe(
      version === 'v1'
        ? 'Greenhouse rejected the Harvest credential (invalid, expired or revoked) when trying to get applications'
        : 'Greenhouse rejected the Harvest v3 client id or secret',
    );
  });

  it('401/403: a missing permission names the capability', async () => {
    let client;
    if (version === 'v1') {
      const key = sb.admin.addV1Key(org.org.id, ['Applications: Retrieve']);
      client = sandboxClient(sb, org, 'v1', { apiKey: key.key });
    } else {
      const c = sb.admin.addV3Client(org.org.id, { scopes: ['harvest:applications:list'] });
      client = sandboxClient(sb, org, 'v3', { clientId: c.clientId, clientSecret: c.clientSecret });
    }
    const a = org.org.applications.all()[0]!;
    const e = await failure(client.addApplicationAttachment(a.id, pdf));
    expect(e).toMatchObject({ kind: 'forbidden', retryable: false, status: version === 'v1' ? 401 : 403 });
    expect(e.message).toMatch(/^the Harvest credential lacks permission to add attachments to applications/);
    expect(e.permission).toBe(
      version === 'v1' ? 'Applications: Add attachment' : 'harvest:attachments:create',
    );
  });

  it('404: the application was not found', async () => {
    const client = sandboxClient(sb, org, version);
    const e = await failure(client.getApplication(456));
    expect(e).toMatchObject({ kind: 'not_found', retryable: false, status: 404 });
    expect(e.message).toBe('application 456 was not found');
    const w = await failure(client.addApplicationAttachment(456, pdf));
    expect(w.message).toBe('application 456 was not found');
  });

  it('404 (v1 On-Behalf-Of) / invalid_grant (v3 sub): the audit user does not exist', async () => {
    const client = sandboxClient(sb, org, version, { auditUserId: 123 });
    const a = org.org.applications.all()[0]!;
    const e = await failure(client.addCandidateNote(a.candidateId, { body: 'x', visibility: 'private' }));
    expect(e).toMatchObject({ kind: 'audit_user_missing', retryable: false });
    expect(e.message).toMatch(/^audit user 123 does not exist/);
  });

  it('422: the rejected custom field and Greenhouse’s reason', async () => {
    const client = sandboxClient(sb, org, version);
    const a = org.org.applications.all()[1]!;
    const e = await failure(
      client.updateApplicationCustomFields(a.id, [
        { nameKey: 'application_short_text', value: 'fine' },
        { nameKey: 'application_number', value: 'eighty' },
      ]),
    );
    expect(e).toMatchObject({ kind: 'validation', retryable: false, status: 422 });
    expect(e.message).toMatch(/^Greenhouse rejected the custom field value: application_number: \S/);
    console.log(`[harvest] ${version} 422 message: ${e.message}`);
  });

  it('429: retried after Retry-After, then surfaced as retryable with the delay', async () => {
    const client = sandboxClient(sb, org, version, { maxAttempts: 2 });
    const a = org.org.applications.all()[2]!;
    await client.getApplication(a.id); // token and limit known
    const route = version === 'v1' ? 'GET /v1/applications/:id' : 'GET /v3/applications';
    sb.faults.storm429({ route, count: 5, retryAfterS: 1 });
    const t0 = Date.now();
    const e = await failure(client.getApplication(a.id));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950); // the second attempt waited Retry-After
    expect(e).toMatchObject({ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 1000 });
    expect(e.message).toBe('the Harvest rate limit of this credential was reached; retry after 1 s');
    sb.faults.clear();
  });

  it('a long Retry-After fails fast (retryable, with the delay) instead of holding the activity', async () => {
    const client = sandboxClient(sb, org, version, { maxBudgetWaitMs: 500 });
    const a = org.org.applications.all()[2]!;
    await client.getApplication(a.id);
    const route = version === 'v1' ? 'GET /v1/applications/:id' : 'GET /v3/applications';
    sb.faults.storm429({ route, count: 1, retryAfterS: 30 });
    const t0 = Date.now();
    const e = await failure(client.getApplication(a.id));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(e).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect(e.retryAfterMs).toBeGreaterThan(29_000);
    expect(e.message).toMatch(/^the Harvest rate limit of this credential is used up for another (29|30) s$/);
    sb.faults.clear();
  });

  it('500/503: reads are retried, writes are not (and say they may be retried)', async () => {
    const client = sandboxClient(sb, org, version);
    const a = org.org.applications.all()[3]!;
    await client.getApplication(a.id);
    const read = version === 'v1' ? 'GET /v1/applications/:id' : 'GET /v3/applications';
    sb.faults.failNext(read, 2, { status: 503 });
    expect((await client.getApplication(a.id)).id).toBe(a.id);
    const write = version === 'v1' ? 'POST /v1/applications/:id/move' : 'POST /v3/applications/:id/move';
    sb.faults.failNext(write, 1, { status: 500 });
    const before = sb.requestLog.list({ api: version, path: '/move' }).length;
    const e = await failure(
      client.moveApplicationStage(a.id, { fromStageId: a.stageId!, toStageId: a.stageId! }),
    );
    expect(sb.requestLog.list({ api: version, path: '/move' }).length - before).toBe(1);
    expect(e).toMatchObject({ kind: 'server', retryable: true, status: 500 });
    expect(e.message).toBe(
      'Greenhouse answered 500 when trying to move applications between stages (a temporary Greenhouse problem)',
    );
  });

  it('timeout: no answer within the limit', async () => {
    const client = sandboxClient(sb, org, version, { timeoutMs: 150, maxAttempts: 1 });
    const a = org.org.applications.all()[4]!;
    await client.getApplication(a.id).catch(() => undefined); // token first (not delayed below)
    const route = version === 'v1' ? 'GET /v1/applications/:id' : 'GET /v3/applications';
    const rule = sb.faults.addLatency(600, { route, count: 1 });
    const e = await failure(client.getApplication(a.id));
    expect(e).toMatchObject({ kind: 'timeout', retryable: true });
    expect(e.message).toBe('Greenhouse did not answer within 150 ms when trying to get applications');
    sb.faults.remove(rule.id);
  });
});

describe('v3 audit user (sub) problems', () => {
  it('403 under the forbidden reading: lists need a Site Admin sub; writes work', async () => {
    sb.readings.v3NonAdminLists = 'forbidden';
    try {
      const user = org.org.users.all().find((u) => !u.siteAdmin && !u.disabled)!;
      const client = sandboxClient(sb, org, 'v3', { auditUserId: user.id });
      const e = await failure(client.listJobs()[Symbol.asyncIterator]().next());
      expect(e).toMatchObject({ kind: 'forbidden', retryable: false, status: 403 });
      expect(e.message).toBe(
        `the audit user ${user.id} is not a Site Admin, which Harvest requires to list jobs`,
      );
      // one record is read through a list (?ids=), so that is refused too; a write is not
      expect((await failure(client.getApplication(org.org.applications.all()[0]!.id))).kind).toBe(
        'forbidden',
      );
      const c = org.org.candidates.all()[0]!;
      expect(
        (await client.addCandidateNote(c.id, { body: 'by a non-admin', visibility: 'private' })).id,
      ).not.toBeNull();
      const report = await checkHarvestPermissions(client, ['add_notes']);
      expect(report.auditUser).toMatchObject({
        status: 'missing',
        message: `audit user ${user.id} is not a Site Admin, which Harvest v3 needs for listing`,
      });
    } finally {
      sb.readings.v3NonAdminLists = 'empty';
    }
  });

  it('200 [] under the empty reading (the default): the audit user is checked through /v3/users?ids=', async () => {
    const user = org.org.users.all().find((u) => !u.siteAdmin && !u.disabled)!;
    const client = sandboxClient(sb, org, 'v3', { auditUserId: user.id });
    expect(await collect(client.listJobs())).toEqual([]); // no refusal to learn from
    const before = sb.requestLog.list({ api: 'v3', path: '/v3/users' }).length;
    const report = await checkHarvestPermissions(client, ['list_jobs', 'add_notes']);
    expect(report.checks.map((x) => x.status)).toEqual(['granted', 'granted']);
    expect(report.auditUser.status).toBe('missing');
    expect(report.auditUser.message).toMatch(
      new RegExp(`^audit user ${user.id} is not visible through Harvest`),
    );
    expect(report.ok).toBe(false);
    const asked = sb.requestLog.list({ api: 'v3', path: '/v3/users' }).slice(before);
    expect(asked.map((r) => r.query)).toEqual([{ ids: String(user.id) }]);
    // the Site Admin passes the same check
    const admin = await checkHarvestPermissions(sandboxClient(sb, org, 'v3'), ['add_notes']);
    expect(admin.auditUser).toMatchObject({
      status: 'ok',
      message: `audit user ${org.siteAdmin.id} is an active Site Admin`,
    });
  });

  it('a deactivated sub gets no token', async () => {
    const user = org.org.users.all().find((u) => u.disabled)!;
    const client = sandboxClient(sb, org, 'v3', { auditUserId: user.id });
    const e = await failure(client.getApplication(org.org.applications.all()[0]!.id));
    expect(e).toMatchObject({ kind: 'audit_user_missing', retryable: false, status: 400 });
    expect(e.message).toBe(`audit user ${user.id} does not exist or is deactivated in Greenhouse`);
  });
});

describe('network errors and Temporal failures', () => {
  it('clients never show their secrets when logged', async () => {
    for (const v of ['v1', 'v3'] as const) {
      const client = sandboxClient(sb, org, v);
      await client.getApplication(org.org.applications.all()[0]!.id);
      const shown = inspect(client, { depth: 20 }) + JSON.stringify(client);
      for (const s of secrets) expect(shown).not.toContain(s);
      expect(shown).not.toMatch(/Bearer |Basic /);
    }
  });

  it('a refused connection is a retryable network error', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const client = sandboxClient(sb, org, 'v1', { baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const e = await failure(client.getApplication(1));
    expect(e).toMatchObject({ kind: 'network', retryable: true, status: null });
    expect(e.message).toBe('could not reach Greenhouse Harvest to get applications (ECONNREFUSED)');
  });

  it('toActivityFailure: non-retryable kinds fail at once, retryable ones carry Retry-After', () => {
    const forbidden = toActivityFailure(
      new HarvestError({
        kind: 'forbidden',
        operation: 'addApplicationAttachment',
        status: 401,
        message: 'the Harvest credential lacks permission to add attachments to applications',
      }),
    );
    expect(forbidden).toMatchObject({
      type: 'HarvestForbidden',
      nonRetryable: true,
      message: 'the Harvest credential lacks permission to add attachments to applications',
    });
    expect(forbidden.details?.[0]).toMatchObject({
      kind: 'forbidden',
      status: 401,
      operation: 'addApplicationAttachment',
    });
    const limited = toActivityFailure(
      new HarvestError({
        kind: 'rate_limited',
        operation: 'getApplication',
        status: 429,
        retryAfterMs: 3000,
        message: 'x',
      }),
    );
    expect(limited).toMatchObject({ type: 'HarvestRateLimited', nonRetryable: false, nextRetryDelay: 3000 });
    const audit = toActivityFailure(
      new HarvestError({
        kind: 'audit_user_missing',
        operation: 'addCandidateNote',
        message: 'audit user 123 does not exist',
      }),
    );
    expect(audit).toMatchObject({ type: 'HarvestAuditUserMissing', nonRetryable: true });
    expect(toActivityFailure(new Error('boom'))).toMatchObject({
      type: 'HarvestUnexpected',
      nonRetryable: false,
    });
  });
});
