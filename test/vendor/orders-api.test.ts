import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { TEST_OPERATOR_KEY } from '../helpers/app.js';
import { waitFor } from '../../harness/processes.js';

type Body = Record<string, unknown> & { error?: { code: string; message: string; field?: string } };
interface Order {
  id: string;
  tenant_id: string;
  status: string;
  package: { id: string; version: number; kind: string };
  candidate: { first_name: string; last_name: string; email: string } | null;
  job: { id: string } | null;
  application: { id: string } | null;
  trigger: string | null;
  invite_delivery: string;
  progress_percent: number | null;
  result: Record<string, unknown> | null;
  created_at: string;
}

const pkg = (deadlineDays = 7) => ({
  name: 'Proctored SQL',
  kind: 'assessment',
  hosted_by: 'vendor',
  launch_url: 'https://tests.vendor.example/launch',
  deadline_days: deadlineDays,
  result: { score: { min: 0, max: 100 }, pass_mark: 60, attributes: [] },
});

/**
 * Orders through the vendor API over real HTTP, on a real PostgreSQL and Temporal: Greenhouse's
 * Send Test and the vendor-side invite start vendorOrderJourney with the pinned package version;
 * the vendor reads orders (filters, cursor paging, tenant scope).
 */
describe('vendor orders API', () => {
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
  const invite = (email: string, extra: Record<string, unknown> = {}) => ({
    tenant_id: stack.tenantId,
    package_id: 'sql-proctored',
    candidate: { first_name: 'Ada', last_name: 'Lovelace', email },
    job_id: String(stack.org.org.applications.all()[0]!.jobId),
    ...extra,
  });
  const journeyCount = () => stack.database.db.journey.count();

  beforeAll(async () => {
    stack = await startAssessmentStack();
    const key = async (body: Record<string, unknown>) =>
      String((await operator('POST', '/operator/keys', body)).body!.key);
    vendorKey = await key({ name: 'vendor product', role: 'integration' });
    scopedKey = await key({ name: 'vendor for acme', role: 'integration', tenantId: stack.tenantId });
    otherTenant = String(
      (await operator('POST', '/operator/tenants', { slug: 'other', name: 'Other' })).body!.id,
    );
    expect((await vendor('PUT', '/vendor/v1/packages/sql-proctored', pkg())).status).toBe(201);
    expect((await vendor('PUT', '/vendor/v1/packages/not-enabled', pkg())).status).toBe(201);
    const enable = await operator(
      'PUT',
      `/operator/tenants/${stack.tenantId}/vendor-packages/sql-proctored`,
      {
        enabled: true,
        invite_delivery: 'vendor',
      },
    );
    expect(enable.status).toBe(200);
  }, 240_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('Greenhouse Send Test of an enabled package starts a vendorOrderJourney pinned to the current version', async () => {
    const app = stack.org.org.applications.all()[0]!;
    const r = (await stack.sb.admin.sendTest(stack.org.org.id, app.id, {
      partnerTestId: 'sql-proctored',
      sentByUserId: stack.org.siteAdmin.id,
    })) as { result: { status: number } };
    await stack.sb.idle();
    expect(r.result.status).toBe(200);
    const journey = await stack.database.db.journey.findFirstOrThrow({
      where: { greenhouseApplicationId: String(app.id), testId: 'sql-proctored' },
    });
    expect(journey).toMatchObject({ kind: 'vendor_hosted', testVersion: 1, trigger: 'greenhouse' });
    const description = await stack.temporal.workflow.getHandle(journey.id).describe();
    expect(description.type).toBe('vendorOrderJourney');

    const view = await vendor('GET', `/vendor/v1/orders/${encodeURIComponent(journey.id)}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      id: journey.id,
      tenant_id: stack.tenantId,
      status: 'open',
      package: { id: 'sql-proctored', version: 1, kind: 'assessment' },
      application: { id: String(app.id) },
      trigger: 'greenhouse',
      invite_delivery: 'vendor',
      result: null,
    });
  });

  it('a vendor-side invite starts an order once (201, then 200), pinned; a new version only for new orders', async () => {
    const before = await journeyCount();
    const refused = await vendor('POST', '/vendor/v1/orders', invite('ada@example.test'));
    // The tenant has not activated vendor-side invites yet.
    expect(refused.status).toBe(409);
    expect(await journeyCount()).toBe(before);
    expect(
      (await operator('POST', `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`, {})).status,
    ).toBeLessThan(300);

    const created = await vendor('POST', '/vendor/v1/orders', invite('ada@example.test'));
    expect(created.status).toBe(201);
    const order = created.body as unknown as Order;
    expect(order).toMatchObject({
      tenant_id: stack.tenantId,
      status: 'open',
      package: { id: 'sql-proctored', version: 1, kind: 'assessment' },
      candidate: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.test' },
      application: null,
      trigger: 'vendor',
    });
    expect((await stack.temporal.workflow.getHandle(order.id).describe()).type).toBe('vendorOrderJourney');
    const again = await vendor('POST', '/vendor/v1/orders', invite('ada@example.test'));
    expect(again.status).toBe(200);
    expect(again.body!.id).toBe(order.id);
    expect(await journeyCount()).toBe(before + 1);

    // The vendor changes the package: the running order keeps version 1, a new one takes version 2.
    expect((await vendor('PUT', '/vendor/v1/packages/sql-proctored', pkg(9))).body!.version).toBe(2);
    const repeat = await vendor('POST', '/vendor/v1/orders', invite('ada@example.test'));
    expect((repeat.body as unknown as Order).package.version).toBe(1);
    const fresh = await vendor('POST', '/vendor/v1/orders', invite('grace@example.test'));
    expect(fresh.status).toBe(201);
    expect((fresh.body as unknown as Order).package.version).toBe(2);
    const journey = await stack.database.db.journey.findUniqueOrThrow({
      where: { id: String(fresh.body!.id) },
    });
    expect(journey.testVersion).toBe(2);

    // The scoped key invites for its own tenant without naming it.
    const scoped = await call(scopedKey)('POST', '/vendor/v1/orders', {
      ...invite('grace@example.test'),
      tenant_id: undefined,
    });
    expect(scoped.status).toBe(200);
    expect(scoped.body!.id).toBe(fresh.body!.id);

    // The operator's invite route takes the same path: the package id is a test id of the tenant.
    const byOperator = await operator('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email: 'alan@example.test',
      firstName: 'Alan',
      lastName: 'Turing',
      jobId: invite('').job_id,
      testId: 'sql-proctored',
    });
    expect(byOperator.status).toBe(201);
    const operatorJourney = await stack.database.db.journey.findUniqueOrThrow({
      where: { id: String(byOperator.body!.journeyId) },
    });
    expect(operatorJourney).toMatchObject({ kind: 'vendor_hosted', testVersion: 2 });
    expect((await stack.temporal.workflow.getHandle(operatorJourney.id).describe()).type).toBe(
      'vendorOrderJourney',
    );
  });

  it('refuses bad invites naming the field and starts nothing', async () => {
    const before = await journeyCount();
    const cases: [unknown, number, string][] = [
      [invite('x@example.test', { package_id: undefined }), 400, 'package_id'],
      [invite('not-an-email'), 400, 'candidate.email'],
      [invite('x@example.test', { job_id: 'abc' }), 400, 'job_id'],
      [invite('x@example.test', { package_id: 'not-enabled' }), 422, 'package_id'],
      [invite('x@example.test', { package_id: 'js-basics' }), 422, 'package_id'],
      [invite('x@example.test', { tenant_id: undefined }), 400, 'tenant_id'],
      [invite('x@example.test', { extra: 1 }), 400, 'body'],
    ];
    for (const [body, status, field] of cases) {
      const res = await vendor('POST', '/vendor/v1/orders', body);
      expect(res.status, field).toBe(status);
      if (field !== 'body') expect(res.body!.error!.field, field).toBe(field);
    }
    // A scoped key naming another tenant learns nothing about it.
    const other = await call(scopedKey)(
      'POST',
      '/vendor/v1/orders',
      invite('x@example.test', { tenant_id: otherTenant }),
    );
    expect(other.status).toBe(404);
    expect(await journeyCount()).toBe(before);
  });

  it('lists orders with filters and cursor paging; a scoped key sees only its tenant’s', async () => {
    // Another tenant's order, completed (its row as the workflow would have written it).
    const foreign = 'vendor_hosted:other:1';
    await stack.database.db.journey.create({
      data: {
        id: foreign,
        tenantId: otherTenant,
        kind: 'vendor_hosted',
        status: 'complete',
        trigger: 'vendor',
        testId: 'sql-proctored',
        testVersion: 2,
      },
    });
    await stack.database.db.journeyCandidate.create({
      data: { journeyId: foreign, firstName: 'Other', lastName: 'Person', email: 'o@example.test' },
    });
    const result = { status: 'completed', score: 80, passed: true, sections: [], attributes: {} };
    await stack.database.db.vendorOrder.create({
      data: {
        journeyId: foreign,
        tenantId: otherTenant,
        packageId: 'sql-proctored',
        packageVersion: 2,
        inviteDelivery: 'greenroom',
        status: 'completed',
        progressPercent: 100,
        result,
        resultAcceptedAt: new Date(),
      },
    });

    const all: Order[] = [];
    let cursor: string | null = null;
    do {
      const res = await vendor('GET', `/vendor/v1/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      all.push(...(res.body!.data as Order[]));
      cursor = res.body!.next_cursor as string | null;
    } while (cursor);
    const journeys = await stack.database.db.journey.findMany({
      where: { kind: 'vendor_hosted' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    expect(all.map((o) => o.id)).toEqual(journeys.map((j) => j.id));
    expect(all).toHaveLength(5);

    const completed = await vendor('GET', '/vendor/v1/orders?status=completed');
    expect(completed.body!.data).toEqual([
      expect.objectContaining({ id: foreign, status: 'completed', progress_percent: 100, result }),
    ]);
    const open = await vendor('GET', `/vendor/v1/orders?status=open&tenant_id=${stack.tenantId}`);
    expect((open.body!.data as Order[]).map((o) => o.id)).toEqual(
      journeys.filter((j) => j.id !== foreign).map((j) => j.id),
    );
    const sinceOrders = journeys.slice(3).map((j) => j.id);
    const since = await vendor(
      'GET',
      `/vendor/v1/orders?since=${encodeURIComponent(journeys[3]!.createdAt.toISOString())}`,
    );
    expect((since.body!.data as Order[]).map((o) => o.id)).toEqual(sinceOrders);

    const scoped = call(scopedKey);
    const mine = await scoped('GET', '/vendor/v1/orders');
    expect((mine.body!.data as Order[]).every((o) => o.tenant_id === stack.tenantId)).toBe(true);
    expect(mine.body!.data).toHaveLength(4);
    expect((await scoped('GET', `/vendor/v1/orders?tenant_id=${otherTenant}`)).body!.data).toEqual([]);
    expect((await scoped('GET', `/vendor/v1/orders/${encodeURIComponent(foreign)}`)).status).toBe(404);
    expect((await vendor('GET', `/vendor/v1/orders/${encodeURIComponent(foreign)}`)).status).toBe(200);
    expect((await vendor('GET', '/vendor/v1/orders/nope')).status).toBe(404);
    // A built-in journey is no order.
    const builtIn = await vendor('GET', `/vendor/v1/orders/${encodeURIComponent(stack.journeyIdFor(1))}`);
    expect(builtIn.status).toBe(404);

    for (const [query, field] of [
      ['status=done', 'status'],
      ['since=yesterday', 'since'],
      ['limit=0', 'limit'],
      ['cursor=abc', 'cursor'],
    ]) {
      const res = await vendor('GET', `/vendor/v1/orders?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body!.error!.field, query).toBe(field);
    }
  });

  it('a stage webhook mapped to the package starts a vendorOrderJourney', async () => {
    const mode = await operator(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
      {},
    );
    expect(mode.status).toBeLessThan(300);
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      webhook: {
        url: `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`,
        secret: String(mode.body!.webhookSecret),
        ping: true,
      },
    });
    const app = stack.org.org.applications.all()[1]!;
    const stage = stack.org.org.stagesOfJob(app.jobId!).find((s) => s.name === 'Take Home Test')!;
    const mapped = await operator('PUT', `/operator/tenants/${stack.tenantId}/stage-test-mappings`, {
      mappings: [{ jobId: String(app.jobId), stageId: String(stage.id), testId: 'sql-proctored' }],
    });
    expect(mapped.status).toBe(200);
    stack.sb.admin.moveStage(stack.org.org.id, app.id, { stageName: 'Take Home Test' });
    await stack.sb.idle();
    const journey = await waitFor(
      'the stage webhook’s order',
      () =>
        stack.database.db.journey.findFirst({
          where: { greenhouseApplicationId: String(app.id), testId: 'sql-proctored' },
        }),
      30_000,
    );
    expect(journey).toMatchObject({ kind: 'vendor_hosted', trigger: 'webhook', testVersion: 2 });
    expect((await stack.temporal.workflow.getHandle(journey.id).describe()).type).toBe('vendorOrderJourney');
    const view = await vendor('GET', `/vendor/v1/orders/${encodeURIComponent(journey.id)}`);
    expect(view.body).toMatchObject({ trigger: 'webhook', application: { id: String(app.id) } });
  });

  it('refuses operator keys on the vendor API and integration keys on the operator API', async () => {
    expect((await operator('GET', '/vendor/v1/orders')).status).toBe(401);
    expect((await vendor('GET', '/operator/journeys')).status).toBe(401);
    expect((await vendor('POST', `/operator/tenants/${stack.tenantId}/invites`, {})).status).toBe(401);
  });
});
