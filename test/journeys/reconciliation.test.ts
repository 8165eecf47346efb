import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError } from '@temporalio/client';
import { V3_SCOPES } from '../../greenhouse-sandbox/permissions.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { waitFor } from '../../harness/processes.js';

// Reconciliation and re-drive on the real stack (Temporal dev server, PostgreSQL, the Greenhouse
// sandbox over HTTP, our API and worker): what Greenhouse users delete comes back, and journeys
// waiting on a failed write-back finish once the customer fixed the permission.
describe('reconciliation and re-drive of Greenhouse write-back', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack();
  });
  afterAll(async () => {
    await stack?.temporal.schedule
      .getHandle(`reconcile:${stack.tenantId}`)
      .delete()
      .catch(() => undefined);
    await stack?.close();
  });

  const org = () => stack.sb.state.org(stack.org.org.id)!;
  const applications = () => org().applications.all();
  const reports = (applicationId: number) =>
    stack.greenhouse(applicationId).attachments.filter((a) => a.filename.startsWith('assessment-report-'));
  const reconcile = async (body: object = {}) => {
    const res = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/reconcile`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as {
      checked: number;
      repaired: { attachment: number; customFields: number };
      failed: number;
      failures: { journeyId: string; message: string }[];
    };
  };
  /** Sends the test in Greenhouse and answers it (100 %): a journey that ends with write-back. */
  const takeTest = async (applicationId: number) => {
    await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(applicationId);
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' })).status).toBe(200);
    return journeyId;
  };
  const connect = (credentials: { clientId: string; clientSecret: string }) =>
    stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/greenhouse`, {
      kind: 'v3_client_credentials',
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      auditUserId: stack.org.siteAdmin.id,
      greenhouseHost: 'app.greenhouse.io',
      harvestBaseUrl: stack.sb.url,
      authBaseUrl: stack.sb.url,
    });

  it('re-attaches a report deleted in Greenhouse, once', async () => {
    const application = applications()[0]!;
    const journeyId = await takeTest(application.id);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    expect(reports(application.id)).toHaveLength(1);
    const filename = reports(application.id)[0]!.filename;

    // Nothing missing: nothing repaired.
    expect(await reconcile()).toMatchObject({
      checked: 1,
      repaired: { attachment: 0, customFields: 0 },
      failed: 0,
    });

    // A recruiter deletes the report in Greenhouse.
    const attachments = org().applications.get(application.id)!.attachments;
    attachments.splice(0, attachments.length);
    expect(reports(application.id)).toHaveLength(0);

    expect(await reconcile()).toMatchObject({
      checked: 1,
      repaired: { attachment: 1, customFields: 0 },
      failed: 0,
    });
    expect(reports(application.id).map((a) => a.filename)).toEqual([filename]);
    expect(await stack.database.db.harvestEffect.count({ where: { key: `${journeyId}:attachment` } })).toBe(
      1,
    );

    // Exactly one again on the next run.
    expect(await reconcile()).toMatchObject({ repaired: { attachment: 0, customFields: 0 }, failed: 0 });
    expect(reports(application.id)).toHaveLength(1);

    // Audited with the counts.
    const audit = await stack.database.db.auditEntry.findMany({
      where: { tenantId: stack.tenantId, action: 'reconciliation.run' },
      orderBy: { id: 'asc' },
    });
    expect(audit).toHaveLength(3);
    expect(audit[1]).toMatchObject({
      outcome: 'ok',
      detail: expect.objectContaining({ checked: 1, repairedAttachment: 1, repairedCustomFields: 0 }),
    });
  });

  it('rewrites a mapped custom field cleared in Greenhouse', async () => {
    const application = applications()[0]!;
    const score = await stack.database.db.customFieldMapping.findUniqueOrThrow({
      where: { tenantId_resultField: { tenantId: stack.tenantId, resultField: 'score' } },
    });
    const fields = org().applications.get(application.id)!.customFields;
    expect(fields.get(Number(score.customFieldId))).toBe(100);
    fields.delete(Number(score.customFieldId));
    expect(stack.greenhouse(application.id).customFields).not.toContain(100);

    expect(await reconcile()).toMatchObject({
      checked: 1,
      repaired: { attachment: 0, customFields: 1 },
      failed: 0,
    });
    expect(fields.get(Number(score.customFieldId))).toBe(100);
    expect(stack.greenhouse(application.id).customFields).toEqual(expect.arrayContaining([100, true]));
    expect(await reconcile({ lookbackDays: 1 })).toMatchObject({
      repaired: { attachment: 0, customFields: 0 },
    });
  });

  it('a credential refused during reconciliation marks the tenant disconnected, and nothing more is tried', async () => {
    const credentialId = stack.org.credentials.v3.id;
    stack.sb.credentials.revoke(credentialId);
    try {
      const before = stack.sb.requestLog.list({ api: 'v3' }).length;
      const totals = await reconcile();
      expect(totals.failed).toBeGreaterThan(0);
      expect(totals.failures[0]!.message).toMatch(/Greenhouse rejected the credential/);
      const tenant = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}`);
      expect(tenant.body).toMatchObject({
        status: 'disconnected',
        greenhouse: {
          status: 'disconnected',
          statusReason: expect.stringMatching(/rejected the credential/),
        },
      });
      // A second run does not knock on Greenhouse with the refused credential again.
      const calls = stack.sb.requestLog.list({ api: 'v3' }).length;
      expect((await reconcile()).failures[0]!.message).toMatch(/rejected the credential/);
      expect(stack.sb.requestLog.list({ api: 'v3' }).length).toBe(calls);
      expect(calls).toBeGreaterThan(before);
    } finally {
      stack.sb.credentials.restore(credentialId);
      expect((await connect(stack.org.credentials.v3)).status).toBe(200);
    }
  });

  it('creates and updates the tenant’s reconciliation schedule (admin only)', async () => {
    const path = `/operator/tenants/${stack.tenantId}/reconciliation`;
    const scheduleId = `reconcile:${stack.tenantId}`;
    expect((await stack.api.call('GET', path)).status).toBe(404);
    await expect(stack.temporal.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );

    // Support may run reconciliation, not schedule it.
    const support = await stack.api.call('POST', '/operator/keys', {
      name: 'support@vendor.example',
      role: 'support',
      tenantId: stack.tenantId,
    });
    const asSupport = { authorization: `Bearer ${String(support.body!.key)}` };
    expect((await stack.api.call('PUT', path, { intervalMinutes: 90 }, asSupport)).status).toBe(403);
    expect((await stack.api.call('PUT', path, { intervalMinutes: 1 })).status).toBe(400);

    const created = await stack.api.call('PUT', path, { intervalMinutes: 90, lookbackDays: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scheduleId, intervalMinutes: 90, lookbackDays: 3, paused: false });
    const described = await stack.temporal.schedule.getHandle(scheduleId).describe();
    expect(described.spec.intervals?.map((i) => i.every)).toEqual([90 * 60_000]);
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'reconcileTenant',
      taskQueue: stack.taskQueue,
      args: [{ tenantId: stack.tenantId, lookbackDays: 3 }],
    });
    expect(described.info.nextActionTimes.length).toBeGreaterThan(0);

    // PUT again updates it; the default interval is six hours.
    const updated = await stack.api.call('PUT', path, { lookbackDays: 14 });
    expect(updated.status).toBe(200);
    const again = await stack.temporal.schedule.getHandle(scheduleId).describe();
    expect(again.spec.intervals?.map((i) => i.every)).toEqual([6 * 3_600_000]);
    expect(again.action.args).toEqual([{ tenantId: stack.tenantId, lookbackDays: 14 }]);
    const shown = await stack.api.call('GET', path, undefined, asSupport);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ scheduleId, intervalMinutes: 360, lookbackDays: 14 });

    // The manual run uses the schedule's lookback when none is given; support may run it.
    expect(
      (await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/reconcile`, {}, asSupport)).body,
    ).toMatchObject({ lookbackDays: 14, checked: 1 });

    const audit = await stack.database.db.auditEntry.findMany({
      where: { tenantId: stack.tenantId, action: 'reconciliation.schedule' },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.outcome)).toEqual(['refused', 'ok', 'ok']);
  });

  it('re-drives a journey waiting on a missing Harvest permission once the customer fixed it', async () => {
    // The customer's credential lacks the permission to add attachments.
    const limited = stack.sb.admin.addV3Client(stack.org.org.id, {
      scopes: V3_SCOPES.filter((s) => s !== 'harvest:attachments:create'),
    });
    expect((await connect(limited)).status).toBe(200);

    const application = applications()[1]!;
    const journeyId = await takeTest(application.id);
    const waiting = await waitFor(
      'the journey to wait on its failed attachReport step',
      async () => {
        const journey = await stack.database.db.journey.findUnique({ where: { id: journeyId } });
        return journey?.writebackFailedStep === 'attachReport' ? journey : null;
      },
      60_000,
    );
    expect(waiting.status).toBe('complete');
    expect(reports(application.id)).toHaveLength(0);
    // Reconciliation leaves waiting journeys to the re-drive.
    expect((await reconcile()).checked).toBe(1);
    expect(reports(application.id)).toHaveLength(0);

    // Re-driving before the fix: the step fails again and waits again.
    const before = waiting.updatedAt.getTime();
    const early = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/redrive-writebacks`);
    expect(early.body).toMatchObject({ redriven: 1, journeyIds: [journeyId], failures: [] });
    await waitFor(
      'the retried step to fail and wait again',
      async () => {
        // The retry clears the step (null), then sets it again when it fails: a newer row naming it.
        const journey = await stack.database.db.journey.findUnique({ where: { id: journeyId } });
        return journey?.writebackFailedStep === 'attachReport' && journey.updatedAt.getTime() > before;
      },
      60_000,
    );
    expect(reports(application.id)).toHaveLength(0);

    // The customer grants the permission (a credential with every scope); the operator re-drives.
    expect((await connect(stack.org.credentials.v3)).status).toBe(200);
    const redrive = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/redrive-writebacks`);
    expect(redrive.status).toBe(200);
    expect(redrive.body).toEqual({ redriven: 1, journeyIds: [journeyId], failures: [] });
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    expect(reports(application.id)).toHaveLength(1);
    const journey = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(journey.writebackFailedStep).toBeNull();

    // Nothing waits any more.
    const none = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/redrive-writebacks`);
    expect(none.body).toEqual({ redriven: 0, journeyIds: [], failures: [] });
    const audit = await stack.database.db.auditEntry.findMany({
      where: { tenantId: stack.tenantId, action: 'writebacks.redrive' },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.outcome, (a.detail as { redriven: number }).redriven])).toEqual([
      ['ok', 1],
      ['ok', 1],
      ['ok', 0],
    ]);
  });

  it('reports journeys whose workflow is gone as re-drive failures, not errors', async () => {
    // The read model says the first journey waits, but its workflow has finished long ago.
    const journeyId = stack.journeyIdFor(applications()[0]!.id);
    await stack.database.db.journey.update({
      where: { id: journeyId },
      data: { writebackFailedStep: 'attachReport' },
    });
    const res = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/redrive-writebacks`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      redriven: 0,
      journeyIds: [],
      failures: [{ journeyId, message: expect.any(String) }],
    });
    await stack.database.db.journey.update({ where: { id: journeyId }, data: { writebackFailedStep: null } });
  });
});
