import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { pathParamNames, type RouteSpec } from '../../api/openapi/registry.js';
import { documentedRoutes } from '../helpers/routes.js';
import { computeWebhookSignature } from '../../greenhouse/webhooks/index.js';
import { oneQuestionTest, startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { waitFor } from '../../harness/processes.js';

/** Every route of the app, from its declaration (route()), full paths in OpenAPI style. */
const routes = documentedRoutes();

/**
 * Tenant isolation (security issue): every operator, partner and webhook route, probed with tenant
 * A's credentials and tenant B's ids, on the real stack (PostgreSQL, Temporal, worker, SMTP, the
 * Greenhouse sandbox with two organisations). A probe passes when it answers exactly what the same
 * request about an id that does not exist answers (a scoped key learns nothing, not even that B
 * exists), its answer holds none of B's identifying strings, and nothing of B changed.
 *
 * Routes are enumerated from the OpenAPI registry (route(): api/openapi/route.ts), so a new operator route
 * with a tenant, journey, bulk or key parameter is probed without touching this file; a new path
 * parameter, or a new route with a body, fails here until the suite is taught a value for it.
 */

interface Answer {
  status: number;
  text: string;
  json: unknown;
  headers: string;
}
interface CreatedKey {
  id: string;
  key: string;
  name: string;
}
type Caller = 'adminA' | 'supportA';

/** Path parameters of interest: a route holding one of these is probed with B's id by both keys. */
const SCOPED_PARAMS = ['tenantId', 'journeyId', 'bulkId', 'keyId'] as const;
const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;
const isScoped = (r: RouteSpec) =>
  pathParamNames(r.path).some((p) => (SCOPED_PARAMS as readonly string[]).includes(p));

const TEST_B = 'borealis-sql';
const TEST_B_NAME = 'Borealis Secret SQL';
const UNKNOWN = {
  tenantId: 'ten_nowhere0000000',
  journeyId: 'assessment:ten_nowhere0000000:app-1:borealis-sql',
  bulkId: 'bulk_nowhere00000000000000',
  keyId: 'opk_nowhere0000000',
  testId: 'nowhere-test',
};

/** Routes whose first rule is the role, not the tenant (no tenant in the path): support gets 403. */
const ROLE_FIRST_FOR_SUPPORT = new Set(['post /operator/keys/{keyId}/revoke']);

describe('tenant isolation: every route probed across two tenants', () => {
  let stack: AssessmentStack;
  let tenantA: string;
  let tenantB: string;
  let journeyA: string;
  let journeyB: string;
  let bulkB: string;
  let keyB: CreatedKey;
  let adminA: CreatedKey;
  let supportA: CreatedKey;
  let partnerKeyB: string;
  let webhookSecretA: string;
  let webhookSecretB: string;
  let candidateB: { email: string; name: string; profileUrl: string };
  /** Strings that identify tenant B: none may appear in an answer unless the request named it. */
  let secretsOfB: string[];
  let secretsOfA: string[];
  let before: Awaited<ReturnType<typeof snapshotB>>;
  let auditBefore: number;
  let journeysOfABefore: number;

  let probes = 0;
  let controls = 0;
  const tally: Record<string, number> = {};
  /** Registry route → who probed it. */
  const probed = new Map<string, Set<string>>();

  const keyOf = (caller: Caller) => (caller === 'adminA' ? adminA.key : supportA.key);
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

  async function request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    const res = await fetch(`${stack.api.url}${path}`, {
      method: method.toUpperCase(),
      headers: { ...(body === undefined ? {} : { 'content-type': contentType }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = ((): unknown => {
      try {
        return text ? (JSON.parse(text) as unknown) : null;
      } catch {
        return null; // an HTML page (outbox) or Prometheus text (metrics)
      }
    })();
    return { status: res.status, text, json, headers: JSON.stringify([...res.headers.entries()]) };
  }

  /** One isolation probe: counted, and its route marked as probed by `who`. */
  async function probe(
    group: string,
    route: string,
    who: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
    contentType?: string,
  ) {
    probes++;
    tally[group] = (tally[group] ?? 0) + 1;
    if (!probed.has(route)) probed.set(route, new Set());
    probed.get(route)!.add(who);
    const answer = await request(method, path, headers, body, contentType);
    // B's key asking about A (the reverse direction) must not learn A's strings.
    expectNoLeak(
      who.startsWith('partnerB') ? secretsOfA : secretsOfB,
      answer,
      `${method} ${decodeURIComponent(path)} ${body === undefined ? '' : JSON.stringify(body)}`,
      `${who} ${route}`,
    );
    return answer;
  }
  /** A request that is not a probe: the same request about nothing, or A reaching its own data. */
  async function control(...args: Parameters<typeof request>) {
    controls++;
    return request(...args);
  }

  /** None of B's strings in the answer (status line aside), except those the request itself named. */
  function expectNoLeak(secrets: string[], answer: Answer, requestText: string, label: string) {
    const seen = answer.text + answer.headers;
    for (const secret of secrets) {
      if (requestText.includes(secret)) continue;
      expect(seen.includes(secret), `${label} answers "${secret}": ${answer.text.slice(0, 300)}`).toBe(false);
    }
  }

  /** The answer with B's ids and the unknown ids both replaced by placeholders. */
  const normalized = (answer: Answer) => {
    let text = answer.text;
    for (const [name, ids] of [
      ['journeyId', [journeyB, UNKNOWN.journeyId]],
      ['bulkId', [bulkB, UNKNOWN.bulkId]],
      ['keyId', [keyB.id, UNKNOWN.keyId]],
      ['tenantId', [tenantB, UNKNOWN.tenantId]],
      ['testId', [TEST_B, UNKNOWN.testId]],
    ] as const) {
      for (const id of ids) text = text.split(id).join(`<${name}>`);
    }
    return { status: answer.status, text };
  };

  async function snapshotB() {
    const db = stack.database.db;
    const where = { tenantId: tenantB };
    const journeys = await db.journey.findMany({ where, orderBy: { id: 'asc' } });
    const journeyIds = journeys.map((j) => j.id);
    return {
      tenant: await db.tenant.findUnique({ where: { id: tenantB } }),
      connection: await db.greenhouseConnection.findUnique({ where }),
      modes: await db.tenantMode.findMany({ where, orderBy: { mode: 'asc' } }),
      customFieldMappings: await db.customFieldMapping.findMany({ where }),
      jobTestMappings: await db.jobTestMapping.findMany({ where }),
      stageTestMappings: await db.stageTestMapping.findMany({ where }),
      tests: await db.assessmentTest.findMany({ where }),
      testVersions: await db.assessmentTestVersion.count({ where }),
      journeys,
      journeyEvents: await db.journeyEvent.count({ where: { journeyId: { in: journeyIds } } }),
      bulkInvites: await db.bulkInvite.findMany({ where }),
      operatorKeys: await db.operatorKey.findMany({ where, orderBy: { id: 'asc' } }),
      responseErrors: await db.partnerResponseError.count({ where }),
      webhookEvents: await db.webhookEvent.count({ where }),
      authorizations: await db.greenhouseAuthorization.count({ where }),
      auditNotRefused: await db.auditEntry.count({
        where: { tenantId: tenantB, outcome: { not: 'refused' } },
      }),
      mails: stack.smtp.messages.filter((m) =>
        journeyIds.some((id) => m.idempotencyKey?.startsWith(`${id}:`)),
      ).length,
    };
  }

  beforeAll(async () => {
    stack = await startAssessmentStack({
      sandbox: {
        orgs: [
          { name: 'Acme', candidates: 5, plan: 'enterprise' },
          { name: 'Borealis', candidates: 3, plan: 'enterprise' },
        ],
      },
    });
    const { api, sb } = stack;
    tenantA = stack.tenantId;
    const ok = (res: { status: number; body: unknown }, status = 200) => {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      return res.body as Record<string, unknown>;
    };

    // Tenant B, set up by the bootstrap operator: its own Greenhouse org, test, partner and webhook modes.
    const orgB = sb.orgs[1]!;
    tenantB = String(
      ok(await api.call('POST', '/operator/tenants', { slug: 'borealis-b', name: 'Borealis Secret Co' }), 201)
        .id,
    );
    ok(
      await api.call('PUT', `/operator/tenants/${tenantB}/greenhouse`, {
        kind: 'v3_client_credentials',
        clientId: orgB.credentials.v3.clientId,
        clientSecret: orgB.credentials.v3.clientSecret,
        auditUserId: orgB.siteAdmin.id,
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: sb.url,
        authBaseUrl: sb.url,
      }),
    );
    ok(
      await api.call('PUT', `/operator/tenants/${tenantB}/tests/${TEST_B}`, {
        ...oneQuestionTest,
        testId: TEST_B,
        name: TEST_B_NAME,
      }),
      201,
    );
    const callbackB = `callback_org${orgB.org.id}`;
    partnerKeyB = String(
      ok(
        await api.call('POST', `/operator/tenants/${tenantB}/modes/greenhouse_invite/activate`, {
          callbackCredential: callbackB,
        }),
      ).partnerApiKey,
    );
    await sb.admin.configureIntegration(orgB.org.id, {
      partnerApi: { baseUrl: `${api.url}/partner`, apiKey: partnerKeyB },
      callbackAuth: { kind: 'basic_key', key: callbackB },
    });
    webhookSecretB = String(
      ok(await api.call('POST', `/operator/tenants/${tenantB}/modes/webhook_trigger/activate`, {}))
        .webhookSecret,
    );
    ok(await api.call('POST', `/operator/tenants/${tenantB}/modes/vendor_invite/activate`, {}));
    // A bulk invite of B whose only row is refused: a real id, and no journey searching Harvest.
    const bulk = await api.call(
      'POST',
      `/operator/tenants/${tenantB}/invites/bulk`,
      'email,first_name,last_name,job_id\nnot-an-address,Bo,Real,1\n',
      { 'content-type': 'text/csv' },
    );
    bulkB = String(ok(bulk, 201).id);
    keyB = ok(
      await api.call('POST', '/operator/keys', {
        name: 'bea@borealis.example',
        role: 'admin',
        tenantId: tenantB,
      }),
      201,
    ) as unknown as CreatedKey;

    // Tenant A: webhook mode too (its secret signs the forged webhook), and one key of each role scoped to A.
    webhookSecretA = String(
      ok(await api.call('POST', `/operator/tenants/${tenantA}/modes/webhook_trigger/activate`, {}))
        .webhookSecret,
    );
    adminA = ok(
      await api.call('POST', '/operator/keys', {
        name: 'ada@acme.example',
        role: 'admin',
        tenantId: tenantA,
      }),
      201,
    ) as unknown as CreatedKey;
    supportA = ok(
      await api.call('POST', '/operator/keys', {
        name: 'sol@acme.example',
        role: 'support',
        tenantId: tenantA,
      }),
      201,
    ) as unknown as CreatedKey;

    // One journey per tenant, each started by its Greenhouse org's "Send test".
    const appA = sb.state.org(stack.org.org.id)!.applications.all()[0]!;
    const appB = sb.state.org(orgB.org.id)!.applications.all()[0]!;
    await sb.admin.sendTest(stack.org.org.id, appA.id, { partnerTestId: 'js-basics' });
    await sb.admin.sendTest(orgB.org.id, appB.id, { partnerTestId: TEST_B });
    await sb.idle();
    journeyA = stack.journeyIdFor(appA.id);
    journeyB = `assessment:${tenantB}:app-${appB.id}:${TEST_B}`;
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyA}:invite:1`, 30_000);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyB}:invite:1`, 30_000);
    const candidate = sb.state.org(orgB.org.id)!.candidates.get(appB.candidateId)!;
    candidateB = {
      email: candidate.emails[0]!.value,
      name: `${candidate.firstName} ${candidate.lastName}`,
      profileUrl: `${sb.url}/people/${candidate.id}?application_id=${appB.id}`,
    };
    expect(await stack.database.db.journey.count({ where: { id: journeyB, tenantId: tenantB } })).toBe(1);

    secretsOfB = [
      tenantB,
      'borealis-b',
      'Borealis Secret Co',
      journeyB,
      bulkB,
      keyB.id,
      keyB.name,
      TEST_B,
      TEST_B_NAME,
      candidateB.email,
      candidateB.name,
      partnerKeyB,
      webhookSecretB,
      callbackB,
    ];

    const appACandidate = sb.state.org(stack.org.org.id)!.candidates.get(appA.candidateId)!;
    secretsOfA = [
      tenantA,
      journeyA,
      'JavaScript basics',
      appACandidate.emails[0]!.value,
      stack.partnerKey,
      webhookSecretA,
      adminA.id,
      supportA.id,
    ];

    // B at rest: the journey waits for its candidate (two equal snapshots a second apart).
    before = await waitFor(
      "tenant B's journey to settle",
      async () => {
        const first = await snapshotB();
        await new Promise((r) => setTimeout(r, 1000));
        const second = await snapshotB();
        return JSON.stringify(first) === JSON.stringify(second) ? second : null;
      },
      30_000,
    );
    auditBefore =
      (await stack.database.db.auditEntry.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ??
      0;
    journeysOfABefore = await stack.database.db.journey.count({ where: { tenantId: tenantA } });
  }, 180_000);
  afterAll(async () => stack?.close());

  it("A's scoped keys reach A's own data (so their 404s about B mean something)", async () => {
    const tenant = await control('GET', `/operator/tenants/${tenantA}`, bearer(adminA.key));
    expect(tenant.status).toBe(200);
    expect(tenant.json).toMatchObject({ id: tenantA });
    for (const caller of ['adminA', 'supportA'] as const) {
      const journey = await control('GET', `/operator/journeys/${journeyA}`, bearer(keyOf(caller)));
      expect(journey.status, caller).toBe(200);
      expect(journey.json).toMatchObject({ id: journeyA, tenantId: tenantA });
    }
    const status = await control(
      'GET',
      `/partner/test_status?partner_interview_id=${encodeURIComponent(journeyA)}`,
      basic(stack.partnerKey),
    );
    expect(status.status).toBe(200);
  });

  it("every operator route with a tenant, journey, bulk or key id answers B's ids as unknown ones", async () => {
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const orgB = stack.sb.orgs[1]!;
    // A valid body per route, so validation never answers before the scope does.
    const bodies: Record<string, unknown> = {
      'post /operator/failed-journeys/{journeyId}/retry': { step: 'findApplication' },
      'put /operator/tenants/{tenantId}/settings': { reportVisibility: 'private' },
      'put /operator/tenants/{tenantId}/greenhouse': {
        kind: 'v1_key',
        apiKey: 'probe-harvest-key',
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: stack.sb.url,
      },
      'post /operator/tenants/{tenantId}/greenhouse/authorization': {
        clientId: 'probe-client',
        clientSecret: 'probe-secret',
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: stack.sb.url,
        authBaseUrl: stack.sb.url,
      },
      'put /operator/tenants/{tenantId}/greenhouse/audit-user': { userId: String(orgB.siteAdmin.id) },
      'put /operator/tenants/{tenantId}/custom-field-mappings': { mappings: [] },
      'put /operator/tenants/{tenantId}/job-test-mappings': { mappings: [] },
      'put /operator/tenants/{tenantId}/stage-test-mappings': { mappings: [] },
      'post /operator/tenants/{tenantId}/modes/{mode}/activate': { rotate: true },
      'put /operator/tenants/{tenantId}/tests/{testId}': {
        ...oneQuestionTest,
        testId: TEST_B,
        name: 'Overwritten by a probe',
      },
      'post /operator/tenants/{tenantId}/invites': {
        email: 'probe@example.com',
        firstName: 'Pro',
        lastName: 'Be',
        jobId: '1',
        testId: TEST_B,
      },
      'post /operator/journeys/{journeyId}/force-complete': { reason: 'isolation probe' },
      'post /operator/probes/{journeyId}/complete': { completedBy: 'isolation probe' },
      'post /operator/journeys/{journeyId}/resend': {},
      'post /operator/journeys/{journeyId}/extend': { deadlineAt: future },
      'post /operator/journeys/{journeyId}/cancel': { reason: 'isolation probe' },
      'post /operator/journeys/{journeyId}/retry': {},
      'post /operator/journeys/{journeyId}/skip': { step: 'writeCustomFields', reason: 'isolation probe' },
      'post /operator/journeys/{journeyId}/erase': {},
      'post /operator/tenants/{tenantId}/invites/bulk':
        'email,first_name,last_name,job_id\nprobe@example.com,Pro,Be,1\n',
      'put /operator/tenants/{tenantId}/reconciliation': { intervalMinutes: 60, lookbackDays: 7 },
      'post /operator/tenants/{tenantId}/reconcile': { lookbackDays: 1 },
      'put /operator/tenants/{tenantId}/vendor-packages/{packageId}': { enabled: true },
      'put /operator/tenants/{tenantId}/vendor-packages/{packageId}/attribute-mappings': { mappings: [] },
    };
    const values = (ids: typeof UNKNOWN): Record<string, string> => ({
      ...ids,
      testId: TEST_B, // B's test in both: only the tenant differs
      mode: 'webhook_trigger', // active for B: a leak would rotate or switch off B's webhook secret
      packageId: 'probe-package',
    });
    const fill = (path: string, ids: typeof UNKNOWN) =>
      path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = values(ids)[name];
        if (value === undefined) throw new Error(`teach the isolation suite a value for {${name}} (${path})`);
        return encodeURIComponent(value);
      });

    const scoped = routes.filter((r) => r.security === 'operator' && isScoped(r));
    expect(scoped.length).toBeGreaterThanOrEqual(36);
    for (const route of scoped) {
      const key = routeKey(route);
      const body = bodies[key];
      if (route.body && route.body.required !== false) {
        expect(body, `give the isolation suite a valid body for ${key}`).toBeDefined();
      }
      if (body !== undefined && route.body) {
        const parsed = route.body.schema.safeParse(body);
        expect(
          parsed.success,
          `the probe's body for ${key} is valid: ${JSON.stringify(parsed.error?.issues)}`,
        ).toBe(true);
      }
      const contentType = route.body?.contentType ?? 'application/json';
      const ofB = { tenantId: tenantB, journeyId: journeyB, bulkId: bulkB, keyId: keyB.id, testId: TEST_B };
      for (const caller of ['adminA', 'supportA'] as const) {
        const answer = await probe(
          'operator routes with ids',
          key,
          caller,
          route.method,
          fill(route.path, ofB),
          bearer(keyOf(caller)),
          body,
          contentType,
        );
        const unknown = await control(
          route.method,
          fill(route.path, UNKNOWN),
          bearer(keyOf(caller)),
          body,
          contentType,
        );
        const expected = caller === 'supportA' && ROLE_FIRST_FOR_SUPPORT.has(key) ? 403 : 404;
        expect(answer.status, `${caller} ${key}: ${answer.text}`).toBe(expected);
        expect(normalized(answer), `${caller} ${key} answers B's ids as unknown ones`).toEqual(
          normalized(unknown),
        );
      }
    }
  });

  it("lists and tenant-less routes hold none of B's rows for A's scoped keys", async () => {
    const group = 'lists and tenant-less operator routes';
    for (const caller of ['adminA', 'supportA'] as const) {
      const auth = bearer(keyOf(caller));
      const rowsOf = (answer: Answer) => answer.json as Record<string, unknown>[];

      const journeys = await probe(
        group,
        'get /operator/journeys',
        caller,
        'get',
        '/operator/journeys?limit=200',
        auth,
      );
      expect(journeys.status).toBe(200);
      const listed = (journeys.json as { journeys: { id: string; tenantId: string }[] }).journeys;
      expect(listed.map((j) => j.id)).toContain(journeyA);
      expect(new Set(listed.map((j) => j.tenantId))).toEqual(new Set([tenantA]));
      for (const query of [
        `testId=${TEST_B}`,
        `applicationId=${journeyB.split(':')[2]!.slice(4)}`,
        'status=sent',
      ]) {
        const filtered = await probe(
          group,
          'get /operator/journeys',
          caller,
          'get',
          `/operator/journeys?${query}`,
          auth,
        );
        expect(filtered.status, query).toBe(200);
        const rows = (filtered.json as { journeys: { tenantId: string }[] }).journeys;
        expect(
          rows.filter((j) => j.tenantId !== tenantA),
          query,
        ).toEqual([]);
      }
      const byTenant = await probe(
        group,
        'get /operator/journeys',
        caller,
        'get',
        `/operator/journeys?tenantId=${tenantB}`,
        auth,
      );
      const byUnknown = await control('get', `/operator/journeys?tenantId=${UNKNOWN.tenantId}`, auth);
      expect(byTenant.status).toBe(404);
      expect(normalized(byTenant)).toEqual(normalized(byUnknown));

      const tenants = await probe(group, 'get /operator/tenants', caller, 'get', '/operator/tenants', auth);
      expect(tenants.status).toBe(200);
      expect((tenants.json as { id: string }[]).map((t) => t.id)).toEqual([tenantA]);
      const bySlug = await probe(
        group,
        'get /operator/tenants',
        caller,
        'get',
        '/operator/tenants?slug=borealis-b',
        auth,
      );
      expect(bySlug).toMatchObject({ status: 200, json: [] });

      const created = await probe(
        group,
        'post /operator/tenants',
        caller,
        'post',
        '/operator/tenants',
        auth,
        {
          slug: 'probe-tenant',
          name: 'Probe',
        },
      );
      expect(created.status).toBe(403);

      const keys = await probe(group, 'get /operator/keys', caller, 'get', '/operator/keys', auth);
      if (caller === 'supportA') expect(keys.status).toBe(403);
      else {
        expect(keys.status).toBe(200);
        const listedKeys = keys.json as { id: string; tenantId: string | null }[];
        expect(listedKeys.map((k) => k.id)).toEqual(expect.arrayContaining([adminA.id, supportA.id]));
        expect(new Set(listedKeys.map((k) => k.tenantId))).toEqual(new Set([tenantA]));
      }
      const keyForB = await probe(group, 'post /operator/keys', caller, 'post', '/operator/keys', auth, {
        name: 'probe',
        role: 'admin',
        tenantId: tenantB,
      });
      const keyForUnknown = await control('post', '/operator/keys', auth, {
        name: 'probe',
        role: 'admin',
        tenantId: UNKNOWN.tenantId,
      });
      expect(keyForB.status).toBe(caller === 'supportA' ? 403 : 422);
      expect(normalized(keyForB)).toEqual(normalized(keyForUnknown));

      // Erasing a person: B's tenant is unknown to A's keys; unnamed, the erasure stays in A's tenant.
      const eraseInB = await probe(
        group,
        'post /operator/people/erase',
        caller,
        'post',
        '/operator/people/erase',
        auth,
        {
          email: candidateB.email,
          tenantId: tenantB,
        },
      );
      const eraseInUnknown = await control('post', '/operator/people/erase', auth, {
        email: candidateB.email,
        tenantId: UNKNOWN.tenantId,
      });
      expect(eraseInB.status).toBe(404);
      expect(normalized(eraseInB)).toEqual(normalized(eraseInUnknown));
      const eraseUnnamed = await probe(
        group,
        'post /operator/people/erase',
        caller,
        'post',
        '/operator/people/erase',
        auth,
        {
          email: candidateB.email,
        },
      );
      if (caller === 'supportA') expect(eraseUnnamed.status).toBe(403);
      else
        expect(eraseUnnamed).toMatchObject({ status: 200, json: { erased: { journeys: 0, referees: 0 } } });

      // Failed journeys: B's tenant is unknown to A's keys; unfiltered, only A's own rows.
      const failedOfB = await probe(
        group,
        'get /operator/failed-journeys',
        caller,
        'get',
        `/operator/failed-journeys?tenantId=${tenantB}`,
        auth,
      );
      const failedOfUnknown = await control(
        'get',
        `/operator/failed-journeys?tenantId=${UNKNOWN.tenantId}`,
        auth,
      );
      expect(failedOfB.status).toBe(404);
      expect(normalized(failedOfB)).toEqual(normalized(failedOfUnknown));
      const failed = await probe(
        group,
        'get /operator/failed-journeys',
        caller,
        'get',
        '/operator/failed-journeys',
        auth,
      );
      expect(failed.status).toBe(200);
      for (const j of (failed.json as { journeys: { tenantId: string }[] }).journeys)
        expect(j.tenantId).toBe(tenantA);

      // Vendor deliveries: B's tenant is unknown to A's keys; a delivery A cannot see is unknown.
      const deliveriesOfB = await probe(
        group,
        'get /operator/vendor/deliveries',
        caller,
        'get',
        `/operator/vendor/deliveries?tenant_id=${tenantB}`,
        auth,
      );
      const deliveriesOfUnknown = await control(
        'get',
        `/operator/vendor/deliveries?tenant_id=${UNKNOWN.tenantId}`,
        auth,
      );
      expect(deliveriesOfB.status).toBe(404);
      expect(normalized(deliveriesOfB)).toEqual(normalized(deliveriesOfUnknown));
      const redeliverOne = await probe(
        group,
        'post /operator/vendor/deliveries/{deliveryId}/redeliver',
        caller,
        'post',
        `/operator/vendor/deliveries/${encodeURIComponent('msg_unknown:ep_unknown')}/redeliver`,
        auth,
      );
      expect(redeliverOne.status).toBe(404);
      const redeliverSince = await probe(
        group,
        'post /operator/vendor/redeliver',
        caller,
        'post',
        '/operator/vendor/redeliver',
        auth,
        {
          since: new Date(Date.now() - 3_600_000).toISOString(),
        },
      );
      expect(redeliverSince).toMatchObject({ status: 202, json: { redelivered: 0 } });

      // Launch-assertion keys span every tenant: a tenant-scoped key (admin or support) cannot rotate them.
      const keysBefore = await stack.database.db.signingKey.count();
      const rotate = await probe(
        group,
        'post /operator/signing-keys/rotate',
        caller,
        'post',
        '/operator/signing-keys/rotate',
        auth,
        { lead_seconds: 0 },
      );
      expect(rotate.status).toBe(403);
      expect(await stack.database.db.signingKey.count()).toBe(keysBefore);

      // The audit trail: B's tenant is unknown to A's keys, B's actors are not in A's trail.
      const auditOfB = await probe(
        group,
        'get /operator/audit',
        caller,
        'get',
        `/operator/audit?tenantId=${tenantB}`,
        auth,
      );
      const auditOfUnknown = await control('get', `/operator/audit?tenantId=${UNKNOWN.tenantId}`, auth);
      expect(auditOfB.status).toBe(404);
      expect(normalized(auditOfB)).toEqual(normalized(auditOfUnknown));
      const byKeyB = await probe(
        group,
        'get /operator/audit',
        caller,
        'get',
        `/operator/audit?actor=${encodeURIComponent(keyB.name)}`,
        auth,
      );
      expect(byKeyB).toMatchObject({ status: 200, json: { entries: [], nextCursor: null } });
      // (Not a probe: A's own refused probes keep the ids A sent in their error text.)
      const trail = await control('get', '/operator/audit?limit=500', auth);
      expect(trail.status).toBe(200);
      const entries = (trail.json as { entries: { tenantId: string | null }[] }).entries;
      expect(entries.length).toBeGreaterThan(0);
      expect(new Set(entries.map((e) => e.tenantId))).toEqual(new Set([tenantA]));

      for (const [route, path] of [
        ['get /operator/tenants/{tenantId}/response-errors', `/operator/tenants/${tenantA}/response-errors`],
        ['get /operator/tenants/{tenantId}/tests', `/operator/tenants/${tenantA}/tests`],
      ] as const) {
        const own = await probe(group, route, `${caller} (own tenant)`, 'get', path, auth);
        expect(own.status, path).toBe(200);
        expect(rowsOf(own).filter((r) => 'tenantId' in r && r.tenantId !== tenantA)).toEqual([]);
      }

      // A's own tenant naming B's test: answered as an unknown test.
      for (const [method, route, suffix] of [
        ['get', 'get /operator/tenants/{tenantId}/tests/{testId}', ''],
        ['post', 'post /operator/tenants/{tenantId}/tests/{testId}/activate', '/activate'],
      ] as const) {
        const path = (testId: string) => `/operator/tenants/${tenantA}/tests/${testId}${suffix}`;
        const named = await probe(
          group,
          route,
          `${caller} (own tenant, B's test)`,
          method,
          path(TEST_B),
          auth,
        );
        const unknownTest = await control(method, path(UNKNOWN.testId), auth);
        expect(named.status, route).toBe(caller === 'supportA' && method === 'post' ? 403 : 404);
        expect(normalized(named)).toEqual(normalized(unknownTest));
      }

      const probeJourney = await probe(
        group,
        'post /operator/probes',
        caller,
        'post',
        '/operator/probes',
        auth,
        {},
      );
      expect(probeJourney.status).toBe(404); // probe journeys belong to the system tenant

      const outbox = await probe(group, 'get /outbox', caller, 'get', '/outbox', auth);
      expect(outbox.status).toBe(401); // the outbox holds every tenant's mails: the bootstrap key only

      const metrics = await probe(group, 'get /metrics', caller, 'get', '/metrics', auth);
      expect(metrics.status).toBe(200); // route templates and counts only (checked by expectNoLeak)

      for (const op of ['encode', 'decode']) {
        const codec = await probe(group, `post /codec/${op}`, caller, 'post', `/codec/${op}`, auth, {
          payloads: [],
        });
        expect(codec.status, op).toBe(403);
      }
    }
  });

  it("the partner API answers A's key about A only, and B's about B only", async () => {
    const group = 'partner API';
    const asA = basic(stack.partnerKey);
    const status = await probe(
      group,
      'get /partner/test_status',
      'partnerA',
      'get',
      `/partner/test_status?partner_interview_id=${encodeURIComponent(journeyB)}`,
      asA,
    );
    const unknown = await control(
      'get',
      `/partner/test_status?partner_interview_id=${encodeURIComponent(UNKNOWN.journeyId)}`,
      asA,
    );
    expect(status.status).toBe(404);
    expect(normalized(status)).toEqual(normalized(unknown));

    const reverse = await probe(
      group,
      'get /partner/test_status',
      'partnerB',
      'get',
      `/partner/test_status?partner_interview_id=${encodeURIComponent(journeyA)}`,
      basic(partnerKeyB),
    );
    expect(reverse.status).toBe(404);

    const sent = await probe(
      group,
      'post /partner/send_test',
      'partnerA',
      'post',
      '/partner/send_test',
      asA,
      {
        partner_test_id: TEST_B,
        candidate: {
          first_name: 'Pro',
          last_name: 'Be',
          email: 'probe@example.com',
          greenhouse_profile_url: candidateB.profileUrl,
        },
        url: `${stack.sb.url}/integrations/testing_partners/take_home_tests/999999`,
      },
    );
    expect(sent.status, sent.text).toBe(404);
    expect(await stack.database.db.journey.count({ where: { tenantId: tenantA } })).toBe(journeysOfABefore);

    const listA = await probe(
      group,
      'get /partner/list_tests',
      'partnerA',
      'get',
      '/partner/list_tests',
      asA,
    );
    expect(listA.status).toBe(200);
    expect((listA.json as { partner_test_id: string }[]).map((t) => t.partner_test_id)).toEqual([
      'js-basics',
    ]);
    const listB = await probe(
      group,
      'get /partner/list_tests',
      'partnerB',
      'get',
      '/partner/list_tests',
      basic(partnerKeyB),
    );
    expect(listB.status).toBe(200);
    expect((listB.json as { partner_test_id: string }[]).map((t) => t.partner_test_id)).toEqual([TEST_B]);

    const reported = await probe(
      group,
      'post /partner/response_error',
      'partnerA',
      'post',
      '/partner/response_error',
      asA,
      {
        api_call: 'test_status',
        errors: ['isolation probe'],
        partner_interview_id: journeyB,
        partner_test_id: TEST_B,
      },
    );
    expect(reported.status).toBe(200);
    const stored = await stack.database.db.partnerResponseError.findMany({
      where: { partnerInterviewId: journeyB },
    });
    expect(stored.map((r) => r.tenantId)).toEqual([tenantA]);
    // B's operators do not see it either.
    const ofB = await stack.api.call('GET', `/operator/tenants/${tenantB}/response-errors`);
    expect(ofB).toMatchObject({ status: 200, body: [] });
  });

  it("B's webhook URL refuses what A's secret signs, and stores nothing", async () => {
    const group = 'webhooks';
    const route = 'post /webhooks/greenhouse/{tenantId}';
    const ping = JSON.stringify({ action: 'ping', payload: { web_hook_id: 1 } });
    const stageChange = JSON.stringify({
      action: 'candidate_stage_change',
      payload: {
        application: {
          id: Number(journeyB.split(':')[2]!.slice(4)),
          current_stage: { name: 'Take Home Test' },
        },
      },
    });
    const signed = (body: string, secret: string) => ({
      signature: `sha256 ${computeWebhookSignature(Buffer.from(body), secret)}`,
      'greenhouse-event-id': `probe-${body.length}`,
    });
    // A ping changes nothing and is answered 200 even unverified (Greenhouse pings a webhook
    // before the operator activates it): alike for B and for an unknown tenant, nothing stored.
    for (const [who, body, headers, status] of [
      ['webhookA (ping)', ping, signed(ping, webhookSecretA), 200],
      ['webhookA (stage change)', stageChange, signed(stageChange, webhookSecretA), 401],
      ['unsigned', ping, {}, 200],
    ] as const) {
      const answer = await probe(group, route, who, 'post', `/webhooks/greenhouse/${tenantB}`, headers, body);
      const unknown = await control('post', `/webhooks/greenhouse/${UNKNOWN.tenantId}`, headers, body);
      expect(answer.status, who).toBe(status);
      expect(normalized(answer)).toEqual(normalized(unknown));
    }
  });

  it("A's own webhook URL cannot stop or touch B's journeys by naming B's Greenhouse ids", async () => {
    const appB = Number(journeyB.split(':')[2]!.slice(4));
    const candidateId = Number(new URL(candidateB.profileUrl).pathname.split('/').pop());
    const application = {
      id: appB,
      candidate: { id: candidateId, first_name: 'X', last_name: 'Y', email_addresses: [] },
      jobs: [],
    };
    for (const event of [
      { action: 'reject_candidate', payload: { application } },
      {
        action: 'delete_candidate',
        payload: { person: { id: candidateId, deleted_application_ids: [appB] } },
      },
      {
        action: 'candidate_anonymized',
        payload: { candidate_id: candidateId, anonymized_fields: ['email_addresses'] },
      },
    ]) {
      const body = JSON.stringify(event);
      const answer = await probe(
        'webhooks',
        'post /webhooks/greenhouse/{tenantId}',
        `webhookA on A's URL (${event.action})`,
        'post',
        `/webhooks/greenhouse/${tenantA}`,
        {
          signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecretA)}`,
          'greenhouse-event-id': `probe-${event.action}`,
        },
        body,
      );
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toMatchObject({
        received: true,
        outcome: expect.stringMatching(/^ignored|anonymi[sz]ed 0|^updated 0/),
      });
    }
  });

  it('changed nothing of B, probed every route, and counts its probes', async () => {
    const after = await snapshotB();
    expect(after).toEqual(before);
    for (const [name, check] of [
      [`reconcile:${tenantB}`, () => stack.temporal.schedule.getHandle(`reconcile:${tenantB}`).describe()],
      [
        `reconcile:${tenantB}:now`,
        () => stack.temporal.workflow.getHandle(`reconcile:${tenantB}:now`).describe(),
      ],
    ] as const) {
      const err = await (check as () => Promise<unknown>)().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err instanceof ScheduleNotFoundError || err instanceof WorkflowNotFoundError, name).toBe(true);
    }
    // A's refused attempts are audited under A's own tenant: B's trail shows nothing of them.
    const audit = await stack.database.db.auditEntry.findMany({
      where: { id: { gt: auditBefore }, tenantId: tenantB },
    });
    expect(audit).toEqual([]);
    const refusedForA = await stack.database.db.auditEntry.findMany({
      where: { id: { gt: auditBefore }, actorKeyId: { in: [adminA.id, supportA.id] }, outcome: 'refused' },
    });
    expect(refusedForA.length).toBeGreaterThan(0);
    for (const entry of refusedForA) expect(entry.tenantId).not.toBe(tenantB);

    // Coverage, from the registry: every operator, partner and webhook route was probed; those with
    // a tenant, journey, bulk or key id by both of A's scoped keys.
    const missing = routes
      .filter((r) => ['operator', 'partner', 'webhook'].includes(r.security))
      .map(routeKey)
      .filter((k) => !probed.has(k));
    expect(missing).toEqual([]);
    const scopedRoutes = routes.filter((r) => r.security === 'operator' && isScoped(r));
    for (const r of scopedRoutes) {
      expect([...probed.get(routeKey(r))!], routeKey(r)).toEqual(
        expect.arrayContaining(['adminA', 'supportA']),
      );
    }

    console.log(
      `tenant isolation: ${probes} probes (${JSON.stringify(tally)}), ${controls} control requests; ` +
        `${probed.size} routes probed, ${scopedRoutes.length} of them with a tenant/journey/bulk/key id; ` +
        `${refusedForA.length} refused attempts audited under A`,
    );
    // 42 routes with ids × 2 keys, 29 list/tenant-less probes × 2 keys, 6 partner, 6 webhook.
    expect(tally).toEqual({
      'operator routes with ids': 84,
      'lists and tenant-less operator routes': 58,
      'partner API': 6,
      webhooks: 6,
    });
    expect(probes).toBe(154);
  });
});
