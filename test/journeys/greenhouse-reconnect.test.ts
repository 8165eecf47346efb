import { ScheduleOverlapPolicy } from '@temporalio/client';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../greenhouse-sandbox/index.js';
import { waitFor } from '../../harness/processes.js';
import { registerConnectionGauges } from '../../observability/connection-metrics.js';
import { tokenRefreshScheduleId } from '../../tenants/token-refresh-schedule.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';

const HOUR = 3_600_000;
/** Journeys under one revoked credential (issue 18 asks for 50). */
const JOURNEYS = 50;
const ANSWERS = { 'q:q1': 'b', 'q:q2': '0.3' };

/**
 * When Greenhouse refuses a tenant's credential, its journeys wait (visibly) instead of failing, and
 * the reconnect resumes every one of them with no operator action. Authorization-code tenants stay
 * connected through a quiet day thanks to the refresh Schedule, and need consent again without it.
 * The sandbox runs on a manual clock so that "30 hours" pass at once.
 */
describe('Greenhouse connections that stay alive, and journeys that wait for a reconnect', () => {
  let stack: AssessmentStack;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    stack = await startAssessmentStack({
      sandbox: {
        clock,
        orgs: [{ name: 'Acme', candidates: 60, plan: 'enterprise' }],
        // The manual clock never turns a rate-limit window: keep the limits out of the way.
        rateLimit: { v3: { limit: 1_000_000 }, token: { limit: 1_000_000 } },
      },
    });
  }, 120_000);
  afterAll(async () => stack?.close());

  const db = () => stack.database.db;
  const applications = () => stack.sb.state.org(stack.org.org.id)!.applications.all();
  const sendTest = async (applicationId: number) => {
    await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
  };
  const waiting = () =>
    db().journey.count({ where: { tenantId: stack.tenantId, greenhouseWaitSince: { not: null } } });
  const written = (applicationId: number, journeyId: string) => {
    const gh = stack.greenhouse(applicationId);
    return {
      notes: gh.notes.filter((n) => String(n.body).includes(`Ref: ${journeyId}`)).length,
      attachments: gh.attachments.filter((a) => a.filename.startsWith('assessment-report-')).length,
    };
  };
  const tokenGrants = (grant: string) =>
    stack.sb.requestLog
      .list({ api: 'token' })
      .filter((e) => (e.body as { grant_type?: string } | null)?.grant_type === grant);

  /** The operator starts the v3 consent; the customer's admin consents; Greenhouse redirects back. */
  async function consent(partner: { clientId: string; clientSecret: string }) {
    const started = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/greenhouse/authorization`,
      {
        clientId: partner.clientId,
        clientSecret: partner.clientSecret,
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: stack.sb.url,
        authBaseUrl: stack.sb.url,
      },
    );
    expect(started.status).toBe(201);
    const redirect = await fetch(String(started.body!.authorizeUrl), { redirect: 'manual' });
    const landed = await fetch(redirect.headers.get('location')!);
    expect(landed.status).toBe(200);
  }

  it(`revoked under ${JOURNEYS} running journeys: every one waits, nothing fails; the reconnect completes each once`, async () => {
    const apps = applications().slice(0, JOURNEYS);
    expect(apps).toHaveLength(JOURNEYS);
    for (const a of apps) await sendTest(a.id);
    await stack.sb.idle();
    const ids = apps.map((a) => stack.journeyIdFor(a.id));
    // Every invitation is out before Greenhouse refuses the credential.
    await Promise.all(
      ids.map((id) => stack.smtp.waitFor((m) => m.idempotencyKey === `${id}:invite:1`, 60_000)),
    );

    const credentialId = stack.org.credentials.v3.id;
    stack.sb.credentials.revoke(credentialId);
    for (const id of ids) expect((await stack.submitFromInvite(id, ANSWERS)).status).toBe(200);

    await waitFor(
      `all ${JOURNEYS} journeys to wait for the reconnect`,
      async () => (await waiting()) === JOURNEYS,
      120_000,
    );
    const tenant = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}`);
    expect(tenant.body).toMatchObject({
      status: 'disconnected',
      greenhouse: {
        status: 'disconnected',
        statusReason: expect.stringMatching(/Greenhouse rejected the credential/),
      },
    });
    // Visible: the listing, the timeline, the metrics. Nothing failed.
    const listed = await stack.api.call('GET', `/operator/journeys?tenantId=${stack.tenantId}&limit=200`);
    const rows = listed.body!.journeys as {
      id: string;
      status: string;
      statusDetail: string;
      greenhouseWaitSince: string | null;
    }[];
    const mine = rows.filter((r) => ids.includes(r.id));
    expect(mine).toHaveLength(JOURNEYS);
    expect(mine.every((r) => r.greenhouseWaitSince !== null)).toBe(true);
    expect(mine.every((r) => /waiting for the tenant to reconnect Greenhouse/.test(r.statusDetail))).toBe(
      true,
    );
    expect(mine.filter((r) => r.status === 'failed')).toEqual([]);
    const timeline = await db().journeyEvent.findMany({
      where: { journeyId: ids[0]!, step: 'recordGreenhouseWaiting' },
    });
    expect(timeline.map((e) => e.label)).toEqual([
      expect.stringMatching(/^waits for the tenant to reconnect Greenhouse/),
    ]);
    const registry = new Registry();
    registerConnectionGauges(registry, db());
    const text = await registry.metrics();
    expect(text).toContain(
      `greenroom_journeys_waiting_for_greenhouse{tenant="${stack.tenantId}"} ${JOURNEYS}`,
    );
    expect(text).toContain('greenroom_greenhouse_connections{status="disconnected"} 1');
    for (const a of apps.slice(0, 3))
      expect(written(a.id, stack.journeyIdFor(a.id))).toEqual({ notes: 0, attachments: 0 });

    // The customer fixes it; the operator reconnects. No journey needs a hand.
    stack.sb.credentials.restore(credentialId);
    const reconnected = await stack.reconnectGreenhouse();
    expect(reconnected.status).toBe(200);
    expect(reconnected.body).toMatchObject({ resumedJourneys: JOURNEYS, warnings: [] });
    const results = await Promise.all(ids.map((id) => stack.temporal.workflow.getHandle(id).result()));
    expect(results.every((r) => (r as { status: string }).status === 'complete')).toBe(true);
    await stack.sb.idle();
    for (const a of apps)
      expect(written(a.id, stack.journeyIdFor(a.id))).toEqual({ notes: 1, attachments: 1 });
    expect(await waiting()).toBe(0);
    expect(await db().journey.count({ where: { tenantId: stack.tenantId, status: 'failed' } })).toBe(0);
  }, 300_000);

  it('an authorization-code tenant idle for 30 sandbox hours writes back without a new consent', async () => {
    const partner = stack.sb.admin.addV3Client(stack.org.org.id, { scopes: 'all', integration: 'partner' });
    await consent(partner);
    const schedule = stack.temporal.schedule.getHandle(tokenRefreshScheduleId(stack.tenantId));
    const described = await schedule.describe();
    expect(described.spec.intervals?.[0]?.every).toBe(6 * HOUR);

    const app = applications()[JOURNEYS]!;
    await sendTest(app.id);
    const journeyId = stack.journeyIdFor(app.id);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);

    // Five scheduled refreshes, six sandbox hours apart: no Harvest traffic in between.
    const before = tokenGrants('refresh_token').length;
    for (let i = 1; i <= 5; i++) {
      clock.advance(6 * HOUR);
      // Scheduled runs' ids carry the second they start at: two triggers in one second are one run.
      await new Promise((r) => setTimeout(r, 1100));
      // ALLOW_ALL: the previous run may still be closing (the Schedule itself skips overlaps).
      await schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
      await waitFor(
        `scheduled refresh ${i}`,
        async () => tokenGrants('refresh_token').length === before + i,
        60_000,
      );
    }
    expect(
      tokenGrants('refresh_token')
        .slice(before)
        .map((e) => e.status),
    ).toEqual([200, 200, 200, 200, 200]);

    expect((await stack.submitFromInvite(journeyId, ANSWERS)).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    expect(written(app.id, journeyId)).toEqual({ notes: 1, attachments: 1 });
    expect(tokenGrants('authorization_code')).toHaveLength(1); // the one consent, no other
    const tenant = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}`);
    expect(tenant.body).toMatchObject({
      status: 'active',
      greenhouse: { status: 'connected', authKind: 'v3_authorization_code' },
    });
    expect(
      Date.parse(String((tenant.body!.greenhouse as Record<string, unknown>).refreshTokenExpiresAt)),
    ).toBeGreaterThan(Date.now());
  }, 180_000);

  it('without the refresh, a day later Greenhouse refuses it: "needs consent", the journey waits, and resumes after consent', async () => {
    const partner = stack.sb.credentials
      .list(stack.org.org.id)
      .find((c) => c.kind === 'v3' && c.integration === 'partner')!;
    const app = applications()[JOURNEYS + 1]!;
    await sendTest(app.id);
    const journeyId = stack.journeyIdFor(app.id);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);

    clock.advance(25 * HOUR); // past the last refresh token's 24 hours, and nobody refreshed
    expect((await stack.submitFromInvite(journeyId, ANSWERS)).status).toBe(200);
    await waitFor('the journey to wait for consent', async () => (await waiting()) === 1, 60_000);
    const tenant = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}`);
    expect(tenant.body).toMatchObject({
      status: 'disconnected',
      greenhouse: { status: 'needs_consent', statusReason: expect.stringMatching(/must consent again/) },
    });
    const journey = await stack.api.call('GET', `/operator/journeys/${encodeURIComponent(journeyId)}`);
    expect(String(journey.body!.statusDetail)).toMatch(/reconnect Greenhouse: .*must consent again/);
    const registry = new Registry();
    registerConnectionGauges(registry, db());
    expect(await registry.metrics()).toContain('greenroom_greenhouse_connections{status="needs_consent"} 1');

    // A later scheduled run does not spend anything: it says why it skipped.
    const run = await stack.temporal.workflow.execute('refreshGreenhouseTokens', {
      taskQueue: stack.taskQueue,
      workflowId: `refresh-check-${journeyId}`,
      args: [{ tenantId: stack.tenantId }],
    });
    expect(run).toMatchObject({ outcome: 'skipped', detail: expect.stringMatching(/needs_consent/) });

    await consent(partner as { clientId: string; clientSecret: string });
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    expect(written(app.id, journeyId)).toEqual({ notes: 1, attachments: 1 });
    expect(await waiting()).toBe(0);
  }, 180_000);
});
