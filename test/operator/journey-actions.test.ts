import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V3_SCOPES } from '../../greenhouse-sandbox/index.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { waitFor } from '../../harness/processes.js';

// Operators' actions on journeys, end to end on the real stack (Temporal, PostgreSQL, SMTP,
// Greenhouse sandbox, our API and worker): each answers what changed and leaves an audit entry.
describe('operator actions on journeys', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack();
  });
  afterAll(async () => stack?.close());

  const applications = () => stack.sb.state.org(stack.org.org.id)!.applications.all();
  const audits = (journeyId: string) =>
    stack.database.db.auditEntry.findMany({ where: { journeyId }, orderBy: { id: 'asc' } });
  async function sendTest(i: number) {
    const application = applications()[i]!;
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(application.id);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    return { journeyId, applicationId: application.id };
  }
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

  it('resend, extend and cancel: each says what changed and is audited', async () => {
    const { journeyId } = await sendTest(0);
    const path = `/operator/journeys/${encodeURIComponent(journeyId)}`;

    const resent = await stack.api.call('POST', `${path}/resend`, {});
    expect(resent).toMatchObject({ status: 200, body: { journeyId, invitesSent: 2 } });
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:2`, 20_000);

    const before = (await stack.api.call('GET', path)).body!.deadlineAt as string;
    const later = new Date(Date.parse(before) + 3 * 86_400_000).toISOString();
    const extended = await stack.api.call('POST', `${path}/extend`, { deadlineAt: later });
    expect(extended).toMatchObject({ status: 200, body: { previousDeadlineAt: before, deadlineAt: later } });
    const earlier = await stack.api.call('POST', `${path}/extend`, { deadlineAt: before });
    expect(earlier.status).toBe(409);
    expect(earlier.body!.error!.message).toBe('the new deadline must be later than the current one');

    const bad = await stack.api.call('POST', `${path}/cancel`, { reason: ' ' });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
    const cancelled = await stack.api.call('POST', `${path}/cancel`, { reason: 'withdrew' });
    expect(cancelled).toMatchObject({ status: 200, body: { stopReason: 'cancelled: withdrew' } });
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'cancelled',
    });

    const retryNothing = await stack.api.call('POST', `${path}/retry`, {});
    expect(retryNothing.status).toBe(409);

    expect((await audits(journeyId)).map((a) => [a.action, a.outcome, a.actor])).toEqual([
      ['journey.resend', 'ok', 'bootstrap'],
      ['journey.extend', 'ok', 'bootstrap'],
      ['journey.extend', 'refused', 'bootstrap'],
      ['journey.cancel', 'ok', 'bootstrap'],
      ['journey.retry', 'refused', 'bootstrap'],
    ]);
    // A 400 is refused before the action starts: nothing to audit but the input.
    expect((await audits(journeyId))[1]!.detail).toMatchObject({ deadlineAt: later });
  });

  it('a write-back refused by a missing permission waits; after the fix, retry attaches it and the timeline shows both', async () => {
    // The customer's credential lacks "attachments:create".
    const limited = stack.sb.admin.addV3Client(stack.org.org.id, {
      scopes: V3_SCOPES.filter((s) => s !== 'harvest:attachments:create'),
    });
    expect((await connect(limited)).status).toBe(200);
    const { journeyId, applicationId } = await sendTest(1);
    await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' });
    await waitFor(
      'the journey to wait at attachReport',
      async () => {
        const j = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
        return j.writebackFailedStep === 'attachReport';
      },
      60_000,
    );
    const path = `/operator/journeys/${encodeURIComponent(journeyId)}`;
    const waiting = (await stack.api.call('GET', path)).body!;
    expect(waiting).toMatchObject({
      status: 'complete',
      writebackFailedStep: 'attachReport',
      waitingFor: 'an operator to retry or skip the write-back step attachReport',
    });
    expect(stack.greenhouse(applicationId).attachments).toHaveLength(0);
    // A retry before the fix fails again and waits again: no duplicate, no loop.
    expect((await stack.api.call('POST', `${path}/retry`, { step: 'attachReport' })).status).toBe(200);
    await waitFor(
      'the second refusal on the timeline',
      async () =>
        (await stack.database.db.journeyEvent.count({
          where: { journeyId, step: 'attachReport', outcome: 'failed_final' },
        })) === 2,
      60_000,
    );

    // The customer grants the permission (here: the full credential); the operator retries.
    expect((await connect(stack.org.credentials.v3)).status).toBe(200);
    await waitFor(
      'waiting again after the second refusal',
      async () =>
        (await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } }))
          .writebackFailedStep === 'attachReport',
    );
    const retried = await stack.api.call('POST', `${path}/retry`, { step: 'attachReport' });
    expect(retried).toMatchObject({ status: 200, body: { retried: 'attachReport' } });
    await waitFor(
      'the report attached',
      async () => stack.greenhouse(applicationId).attachments.length === 1,
      60_000,
    );
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    await recordHistoryIfAsked('assessment-writeback-retried', journeyId);

    const detail = (await stack.api.call('GET', path)).body!;
    expect(detail).toMatchObject({ writebackFailedStep: null, waitingFor: null });
    const timeline = detail.timeline as {
      step: string;
      label: string;
      outcome: string;
      detail: string | null;
    }[];
    const labels = timeline.map((e) => `${e.outcome}: ${e.label}`);
    expect(labels).toEqual(
      expect.arrayContaining([
        'ok: invite e-mailed to the candidate',
        'ok: answers submitted',
        'ok: Greenhouse told the result is ready (completion PATCH)',
        'ok: result note added in Greenhouse',
        'failed_final: attachReport failed',
        'ok: write-back waits for an operator at attachReport',
        'ok: write-back resumed',
        'ok: report attached in Greenhouse',
      ]),
    );
    // In that order: refused, waited, resumed, attached.
    const at = (label: string) => labels.indexOf(label);
    expect(at('failed_final: attachReport failed')).toBeLessThan(
      at('ok: write-back waits for an operator at attachReport'),
    );
    expect(labels.lastIndexOf('ok: write-back resumed')).toBeLessThan(
      at('ok: report attached in Greenhouse'),
    );
    expect(timeline.find((e) => e.outcome === 'failed_final')!.detail).toMatch(/attachments:create/);
    expect(stack.greenhouse(applicationId).attachments).toHaveLength(1);
    expect((await audits(journeyId)).map((a) => [a.action, a.outcome])).toEqual([
      ['journey.retry', 'ok'],
      ['journey.retry', 'ok'],
    ]);
  });

  it('skip gives up on the failed step and goes on', async () => {
    const limited = stack.sb.admin.addV3Client(stack.org.org.id, {
      scopes: V3_SCOPES.filter((s) => s !== 'harvest:notes:create'),
    });
    expect((await connect(limited)).status).toBe(200);
    const { journeyId, applicationId } = await sendTest(2);
    await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' });
    await waitFor(
      'the journey to wait at addResultNote',
      async () =>
        (await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } }))
          .writebackFailedStep === 'addResultNote',
      60_000,
    );
    const path = `/operator/journeys/${encodeURIComponent(journeyId)}`;
    expect((await stack.api.call('POST', `${path}/skip`, { step: 'attachReport', reason: 'x' })).status).toBe(
      409,
    );
    const skipped = await stack.api.call('POST', `${path}/skip`, {
      step: 'addResultNote',
      reason: 'customer declined notes',
    });
    expect(skipped).toMatchObject({ status: 200, body: { skipped: 'addResultNote' } });
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    expect(stack.greenhouse(applicationId).attachments).toHaveLength(1); // the steps after it ran
    expect(stack.greenhouse(applicationId).notes.filter((n) => n.body?.includes(journeyId))).toHaveLength(0);
    expect((await connect(stack.org.credentials.v3)).status).toBe(200);
  });
});
