import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { registerConnectionGauges } from '../../observability/connection-metrics.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';

/** Journeys under one refused callback credential. */
const JOURNEYS = 8;
const ANSWERS = { 'q:q1': 'b', 'q:q2': '0.3' };

/**
 * Greenhouse stops accepting the completion-callback credential (the customer rotated it on their
 * side): every journey's PATCH is refused with 401. They wait, visibly, for a new credential instead
 * of waiting for an operator's retry; setting the new credential resumes them all, and each lands
 * exactly one accepted PATCH.
 */
describe('a refused completion-callback credential: journeys wait, the new credential resumes them', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack({
      sandbox: { orgs: [{ name: 'Acme', candidates: JOURNEYS + 4, plan: 'enterprise' }] },
    });
  }, 120_000);
  afterAll(async () => stack?.close());

  const db = () => stack.database.db;
  const waitingOnCallback = () =>
    db().journey.count({
      where: { tenantId: stack.tenantId, greenhouseWaitSince: { not: null }, greenhouseWaitOn: 'callback' },
    });
  /**
   * Every journey finished with one accepted PATCH (after `refused` refused ones) and one result
   * note, and the mode no longer says the callback credential is refused.
   */
  async function completedOnce(apps: { id: number }[], ids: string[], refused: number) {
    await Promise.all(ids.map((id) => stack.temporal.workflow.getHandle(id).result()));
    await stack.sb.idle();
    for (const [i, a] of apps.entries()) {
      expect(patchesFor(a.id)).toEqual({ accepted: 1, refused });
      const notes = stack.greenhouse(a.id).notes.filter((n) => String(n.body).includes(`Ref: ${ids[i]}`));
      expect(notes).toHaveLength(1);
    }
    const after = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}`);
    expect(
      (after.body!.modes as Record<string, unknown>[]).find((m) => m.mode === 'greenhouse_invite'),
    ).toMatchObject({ callbackRefusedAt: null, callbackRefusalReason: null });
  }
  /** Send test for `count` applications from `from`; answers once every invitation went out. */
  async function sendTests(from: number, count: number) {
    const apps = stack.sb.state
      .org(stack.org.org.id)!
      .applications.all()
      .slice(from, from + count);
    for (const a of apps)
      await stack.sb.admin.sendTest(stack.org.org.id, a.id, {
        partnerTestId: 'js-basics',
        sentByUserId: stack.org.siteAdmin.id,
      });
    await stack.sb.idle();
    const ids = apps.map((a) => stack.journeyIdFor(a.id));
    await Promise.all(
      ids.map((id) => stack.smtp.waitFor((m) => m.idempotencyKey === `${id}:invite:1`, 60_000)),
    );
    return { apps, ids };
  }
  /** The completion PATCHes Greenhouse received for one application's take-home test, by status. */
  const patchesFor = (applicationId: number) => {
    const testId = stack.greenhouse(applicationId).tests[0]!.id;
    const mine = stack.sb.partner.patches.filter((p) => p.testId === testId);
    return {
      accepted: mine.filter((p) => p.status === 200).length,
      refused: mine.filter((p) => p.status === 401).length,
    };
  };

  it(`${JOURNEYS} journeys wait for the new callback credential, then each completes with one accepted PATCH`, async () => {
    const { apps, ids } = await sendTests(0, JOURNEYS);

    // The customer rotates the callback credential in Greenhouse; ours is now refused.
    const newKey = `callback_rotated_${stack.org.org.id}`;
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      callbackAuth: { kind: 'basic_key', key: newKey },
    });
    for (const id of ids) expect((await stack.submitFromInvite(id, ANSWERS)).status).toBe(200);
    await waitFor(
      `all ${JOURNEYS} journeys to wait for the callback credential`,
      async () => (await waitingOnCallback()) === JOURNEYS,
      180_000,
    );

    // Visible: the mode, the listing, the timeline, the gauge. Nothing failed, no operator step waits.
    const tenant = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}`);
    const mode = (tenant.body!.modes as Record<string, unknown>[]).find(
      (m) => m.mode === 'greenhouse_invite',
    );
    expect(mode).toMatchObject({
      callbackRefusedAt: expect.any(String),
      callbackRefusalReason: expect.stringMatching(/refused the completion-callback credential \(HTTP 401\)/),
    });
    expect(tenant.body).toMatchObject({ greenhouse: { status: 'connected' } });
    const listed = await stack.api.call('GET', `/operator/journeys?tenantId=${stack.tenantId}&limit=200`);
    const mine = (listed.body!.journeys as { id: string; status: string; statusDetail: string }[]).filter(
      (r) => ids.includes(r.id),
    );
    expect(mine).toHaveLength(JOURNEYS);
    for (const r of mine) {
      expect(r.status).toBe('complete'); // the result stands; only Greenhouse has not heard yet
      expect(r.statusDetail).toMatch(/^waiting for a new completion-callback credential/);
    }
    expect(await db().journey.count({ where: { id: { in: ids }, writebackFailedStep: { not: null } } })).toBe(
      0,
    );
    const timeline = await db().journeyEvent.findMany({
      where: { journeyId: ids[0]!, step: 'recordGreenhouseWaiting' },
    });
    expect(timeline.map((e) => e.label)).toEqual([
      expect.stringMatching(/^waits for a new completion-callback credential: Greenhouse refused/),
    ]);
    const registry = new Registry();
    registerConnectionGauges(registry, db());
    expect(await registry.metrics()).toContain(
      `greenroom_journeys_waiting_for_greenhouse{tenant="${stack.tenantId}"} ${JOURNEYS}`,
    );
    for (const a of apps) expect(patchesFor(a.id)).toEqual({ accepted: 0, refused: 1 });
    // The rest of the write-back waits behind the PATCH: nothing landed out of order.
    const gh = stack.greenhouse(apps[0]!.id);
    expect(gh.notes.filter((n) => String(n.body).includes(`Ref: ${ids[0]}`))).toHaveLength(0);

    // The operator sets the new credential: every journey resumes, no retry by hand.
    const set = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/greenhouse_invite/activate`,
      { callbackCredential: newKey },
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ resumedJourneys: JOURNEYS, warnings: [] });
    expect(set.body!.partnerApiKey).toBeUndefined(); // the partner key stays as it was

    await waitFor(
      'every journey to finish its write-back',
      async () => (await waitingOnCallback()) === 0,
      180_000,
    );
    await completedOnce(apps, ids, 1);
    const resumed = await db().journeyEvent.findMany({
      where: { journeyId: ids[0]!, step: 'recordGreenhouseWaiting' },
      orderBy: { id: 'asc' },
    });
    expect(resumed.map((e) => e.label)).toEqual([
      expect.stringMatching(/^waits for a new completion-callback credential/),
      'completion-callback credential replaced: resumed',
    ]);
    expect(await db().journey.count({ where: { tenantId: stack.tenantId, status: 'failed' } })).toBe(0);
  }, 480_000);

  it('a reconnect resumes them too: still refused they wait again, taken back they complete', async () => {
    const { apps, ids } = await sendTests(JOURNEYS, 3);
    // The customer changes the credential in Greenhouse again; ours (the one set above) is refused.
    const ours = `callback_rotated_${stack.org.org.id}`;
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      callbackAuth: { kind: 'basic_key', key: `callback_mistake_${stack.org.org.id}` },
    });
    for (const id of ids) expect((await stack.submitFromInvite(id, ANSWERS)).status).toBe(200);
    await waitFor(
      'the journeys to wait for the callback credential',
      async () => (await waitingOnCallback()) === 3,
      180_000,
    );

    const reconnect = () => stack.reconnectGreenhouse();
    // Reconnecting Greenhouse while the callback credential is still refused: each journey tries
    // its PATCH once more, is refused, and waits again. Nothing fails, nothing is lost.
    const first = await reconnect();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ resumedJourneys: 3 });
    await waitFor(
      'a second refused PATCH each, and the journeys waiting again',
      async () => apps.every((a) => patchesFor(a.id).refused === 2) && (await waitingOnCallback()) === 3,
      180_000,
    );
    for (const a of apps) expect(patchesFor(a.id)).toEqual({ accepted: 0, refused: 2 });
    expect(await db().journey.count({ where: { id: { in: ids }, status: 'failed' } })).toBe(0);

    // The customer takes our credential back in Greenhouse; the tenant reconnects: each completes
    // with one accepted PATCH, and the mode no longer says the credential is refused.
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      callbackAuth: { kind: 'basic_key', key: ours },
    });
    const second = await reconnect();
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ resumedJourneys: 3 });
    await completedOnce(apps, ids, 2);
    expect(await waitingOnCallback()).toBe(0);
  }, 480_000);
});
