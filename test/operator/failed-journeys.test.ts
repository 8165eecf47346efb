import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { ensureFailedSweepSchedule, failedSweepScheduleId } from '../../journeys/failed-journeys.js';
import { V3_SCOPES } from '../../greenhouse-sandbox/permissions.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';

const ANSWERS = { 'q:q1': 'b', 'q:q2': '0.3' };

/**
 * A journey whose workflow fails, is terminated or times out shows as failed in the read model
 * (status, reason, test_status), operators list it and may run it again from a safe step, audited.
 */
describe('failed journeys: recorded, swept, listed and retried', () => {
  let stack: AssessmentStack;
  let orgId: number;
  let jobId: number;
  beforeAll(async () => {
    stack = await startAssessmentStack({
      sandbox: { orgs: [{ name: 'Acme', candidates: 8, plan: 'enterprise' }] },
    });
    orgId = stack.org.org.id;
    jobId = stack.sb.state.org(orgId)!.jobs.all()[0]!.id;
    expect(
      (await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`, {}))
        .status,
    ).toBe(200);
    expect(
      (
        await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/job-test-mappings`, {
          mappings: [{ jobId: String(jobId), testId: 'js-basics' }],
        })
      ).status,
    ).toBe(200);
  }, 120_000);
  afterAll(async () => stack?.close());

  const db = () => stack.database.db;
  const connect = (client: { clientId: string; clientSecret: string }) =>
    stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/greenhouse`, {
      kind: 'v3_client_credentials',
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      auditUserId: stack.org.siteAdmin.id,
      greenhouseHost: 'app.greenhouse.io',
      harvestBaseUrl: stack.sb.url,
      authBaseUrl: stack.sb.url,
    });
  const candidateOnJob = (n: number) => {
    const org = stack.sb.state.org(orgId)!;
    const application = org.applications.get(org.applicationIdsForJob(jobId)[n]!)!;
    return { application, candidate: org.candidates.get(application.candidateId)! };
  };
  const testStatus = async (journeyId: string) => {
    const res = await fetch(
      `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      { headers: { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` } },
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const audits = (journeyId: string) =>
    db().auditEntry.findMany({
      where: { journeyId, action: 'journey.retry_failed' },
      orderBy: { at: 'asc' },
    });

  it('a step that fails for good marks the journey failed; an operator retries it from a safe step after the fix', async () => {
    // The customer's credential lacks the candidate search: the vendor-mode match fails for good.
    const limited = stack.sb.admin.addV3Client(orgId, {
      scopes: V3_SCOPES.filter((s) => s !== 'harvest:candidates:list'),
    });
    expect((await connect(limited)).status).toBe(200);
    const { candidate, application } = candidateOnJob(0);
    const invited = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email: candidate.emails[0]!.value,
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId: String(jobId),
    });
    expect(invited.status).toBe(201);
    const journeyId = String(invited.body!.journeyId);
    const handle = stack.temporal.workflow.getHandle(journeyId);
    await expect(handle.result()).rejects.toThrow();

    const row = await db().journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row).toMatchObject({ status: 'failed', statusBeforeFailure: 'created' });
    expect(row.failedAt).not.toBeNull();
    expect(row.failureReason).toMatch(/^findApplication failed: /);
    expect(row.statusDetail).toMatch(/^failed: findApplication failed: /);
    // Greenhouse's vocabulary has no "failed": test_status says cancelled, with the reason.
    expect(await testStatus(journeyId)).toMatchObject({
      status: 200,
      body: { partner_status: 'cancelled', metadata: { Reason: row.statusDetail } },
    });
    // Listed: in the journeys list by status, and in the failed-journeys list.
    const byStatus = await stack.api.call(
      'GET',
      `/operator/journeys?tenantId=${stack.tenantId}&status=failed`,
    );
    expect((byStatus.body!.journeys as { id: string }[]).map((j) => j.id)).toEqual([journeyId]);
    const failed = await stack.api.call('GET', `/operator/failed-journeys?tenantId=${stack.tenantId}`);
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      journeys: [{ id: journeyId, status: 'failed', statusBeforeFailure: 'created' }],
      nextCursor: null,
    });

    // Refusals change nothing: a bad body (400), an unsafe step, a step never reached (409).
    const path = `/operator/failed-journeys/${encodeURIComponent(journeyId)}/retry`;
    const bad = await stack.api.call('POST', path, { step: 'findApplication', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_input' } });
    const unsafe = await stack.api.call('POST', path, { step: 'sendCandidateEmail' });
    expect(unsafe.status).toBe(409);
    expect(unsafe.body).toMatchObject({
      error: { code: 'conflict', message: expect.stringMatching(/not a step a retry may start from/) },
    });
    const unreached = await stack.api.call('POST', path, { step: 'attachReport' });
    expect(unreached.status).toBe(409);
    expect(unreached.body).toMatchObject({
      error: { message: expect.stringMatching(/never reached attachReport/) },
    });
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect(await db().journey.findUniqueOrThrow({ where: { id: journeyId } })).toMatchObject({
      status: 'failed',
    });
    const unknown = await stack.api.call('POST', '/operator/failed-journeys/nope/retry', {
      step: 'findApplication',
    });
    expect(unknown.status).toBe(404);

    await recordHistoryIfAsked('assessment-failed-at-match', journeyId);
    // The customer grants the permission; the operator reconnects and retries from the match.
    const full = stack.sb.admin.addV3Client(orgId, { scopes: 'all' });
    expect((await connect(full)).status).toBe(200);
    const retried = await stack.api.call('POST', path, { step: 'findApplication' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ journeyId, step: 'findApplication', status: 'created' });
    expect((await stack.submitFromInvite(journeyId, ANSWERS)).status).toBe(200);
    expect(await handle.result()).toMatchObject({ status: 'complete', invitesSent: 1 });
    await recordHistoryIfAsked('assessment-retried-from-match', journeyId);
    const done = await db().journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(done).toMatchObject({
      status: 'complete',
      failedAt: null,
      failureReason: null,
      greenhouseApplicationId: String(application.id),
    });
    // Once: one invitation, one note.
    expect(stack.smtp.messages.filter((m) => m.idempotencyKey === `${journeyId}:invite:1`)).toHaveLength(1);
    expect(candidate.notes.filter((n) => String(n.body).includes(`Ref: ${journeyId}`))).toHaveLength(1);
    expect((await audits(journeyId)).map((a) => a.outcome)).toEqual(['refused', 'refused', 'ok']);
    // Not failed any more: a second retry is refused.
    const again = await stack.api.call('POST', path, { step: 'findApplication' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { message: expect.stringMatching(/has not failed/) } });
  }, 240_000);

  it('the sweep marks terminated journeys failed (not erased ones), and only once', async () => {
    const apps = stack.sb.state.org(orgId)!.applications.all().slice(0, 2);
    for (const a of apps)
      await stack.sb.admin.sendTest(orgId, a.id, {
        partnerTestId: 'js-basics',
        sentByUserId: stack.org.siteAdmin.id,
      });
    await stack.sb.idle();
    const [stuck, erased] = apps.map((a) => stack.journeyIdFor(a.id)) as [string, string];
    await Promise.all(
      [stuck, erased].map((id) => stack.smtp.waitFor((m) => m.idempotencyKey === `${id}:invite:1`, 60_000)),
    );
    await waitFor(
      'both journeys to be sent',
      async () =>
        (await db().journey.count({ where: { id: { in: [stuck, erased] }, status: 'sent' } })) === 2,
      60_000,
    );
    const since = new Date(Date.now() - 60_000);
    await stack.temporal.workflow.getHandle(stuck).terminate('stuck on a bug');
    expect(
      (await stack.api.call('POST', `/operator/journeys/${encodeURIComponent(erased)}/erase`, {})).status,
    ).toBe(200);

    const sweep = () =>
      stack.temporal.workflow.execute('failedJourneySweep', {
        taskQueue: stack.taskQueue,
        workflowId: `sweep-${Date.now()}`,
        args: [{ lookbackMinutes: (Date.now() - since.getTime()) / 60_000 + 1 }],
      }) as Promise<{ seen: number; marked: number }>;
    // Visibility is eventually consistent: sweep until the termination is listed.
    let first = { seen: 0, marked: 0 };
    await waitFor(
      'the sweep to mark the terminated journey',
      async () => {
        const r = await sweep();
        first = { seen: first.seen + r.seen, marked: first.marked + r.marked };
        return first.marked >= 1;
      },
      60_000,
    );
    expect(first.marked).toBe(1);
    expect(await db().journey.findUniqueOrThrow({ where: { id: stuck } })).toMatchObject({
      status: 'failed',
      statusBeforeFailure: 'sent',
      failureReason: 'terminated: stuck on a bug',
    });
    expect((await db().journey.findUniqueOrThrow({ where: { id: erased } })).failedAt).toBeNull();
    expect(await testStatus(stuck)).toMatchObject({
      body: { partner_status: 'cancelled', metadata: { Reason: 'failed: terminated: stuck on a bug' } },
    });
    expect((await sweep()).marked).toBe(0); // once

    // Terminated while waiting for the candidate: no safe step reached, so no retry (409).
    const refused = await stack.api.call(
      'POST',
      `/operator/failed-journeys/${encodeURIComponent(stuck)}/retry`,
      { step: 'findApplication' },
    );
    expect(refused.status).toBe(409);
    const listed = await stack.api.call('GET', `/operator/failed-journeys?tenantId=${stack.tenantId}`);
    expect(listed.body).toMatchObject({ journeys: [{ id: stuck, status: 'failed' }], nextCursor: null });
    const badCursor = await stack.api.call('GET', `/operator/failed-journeys?cursor=zzz`);
    expect(badCursor.status).toBe(400);
  }, 240_000);

  it('the worker keeps one sweep Schedule per task queue, and its runs sweep', async () => {
    const deps = { temporal: stack.temporal, taskQueue: stack.taskQueue };
    await ensureFailedSweepSchedule(deps, '1 hour', 30);
    await ensureFailedSweepSchedule(deps, '2 hours', 30); // a second worker, or a restart: updated, not doubled
    const schedule = stack.temporal.schedule.getHandle(failedSweepScheduleId(stack.taskQueue));
    try {
      const described = await schedule.describe();
      expect(described.spec.intervals?.[0]?.every).toBe(2 * 3_600_000);
      expect(described.action).toMatchObject({
        workflowType: 'failedJourneySweep',
        taskQueue: stack.taskQueue,
      });
      await schedule.trigger();
      let started: { workflowId: string; firstExecutionRunId: string } | undefined;
      await waitFor(
        'the scheduled sweep to start',
        async () => {
          started = (await schedule.describe()).info.recentActions[0]?.action.workflow;
          return started !== undefined;
        },
        60_000,
      );
      const run = stack.temporal.workflow.getHandle(started!.workflowId, started!.firstExecutionRunId);
      expect(await run.result()).toMatchObject({ marked: 0 }); // everything failed was marked already
    } finally {
      await schedule.delete();
    }
  }, 120_000);
});
