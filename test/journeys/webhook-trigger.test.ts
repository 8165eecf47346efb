import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { pino } from 'pino';
import type { Client } from '@temporalio/client';
import { errorHandler } from '../../api/http-errors.js';
import { inviteCandidate } from '../../api/operator/invites.js';
import { greenhouseWebhookRoutes, type WebhookRouteDeps } from '../../api/webhooks/greenhouse.js';
import { createCatalogueService } from '../../catalogue/service.js';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { computeWebhookSignature } from '../../greenhouse/webhooks/index.js';
import { createMailer, createSmtpTransport } from '../../mail/index.js';
import { assessmentStateQuery } from '../../workflows/assessment/contract.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { oneQuestionTest } from '../helpers/assessment-stack.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { listen } from '../helpers/http.js';
import { waitFor } from '../../harness/processes.js';
import { createTestSmtpServer, type TestSmtpServer } from '../../harness/smtp-server.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';

// Journeys started and stopped by Greenhouse's signed webhooks, on the real stack: Temporal dev
// server, PostgreSQL, a real SMTP server, the Greenhouse sandbox sending webhooks over HTTP to our
// receiver, our API (operator set-up, the test page) and worker.
const keyedTest = {
  ...oneQuestionTest,
  // Whole hours only (domain/assessments/definition.ts): the test proves no reminder can follow a stop by
  // the workflow being closed with remindersSent 0, rather than by waiting an hour.
  reminders: { afterInviteHours: [1], beforeDeadlineHours: [24] },
};

describe('assessment journeys triggered by Greenhouse webhooks', () => {
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let smtp: TestSmtpServer;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let hooks: Awaited<ReturnType<typeof listen>>;
  let worker: RunningTestWorker;
  let tenantId: string;
  let webhookUrl: string;
  let webhookSecret: string;
  let orgId: number;
  let routeDeps: WebhookRouteDeps;
  const taskQueue = uniqueTaskQueue('webhook');

  const journeyIdOf = (applicationId: number) => `assessment:${tenantId}:app-${applicationId}:js-basics`;
  const mailsOf = (journeyId: string) =>
    smtp.messages.filter((m) => m.idempotencyKey?.startsWith(`${journeyId}:`)).map((m) => m.idempotencyKey);
  const post = (url: string, body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  /** Active applications not yet in the Take Home Test stage, one per candidate. */
  const freshApplications = () => {
    const org = sb.state.org(orgId)!;
    const seen = new Set<number>();
    return org.applications.all().filter((a) => {
      const stage = a.stageId === null ? undefined : org.stages.get(a.stageId);
      const ok = a.status === 'active' && stage?.name !== 'Take Home Test' && !seen.has(a.candidateId);
      seen.add(a.candidateId);
      return ok;
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    smtp = createTestSmtpServer();
    await smtp.start();
    sb = await startSandbox({
      orgs: [{ name: 'Acme', candidates: 16, plan: 'enterprise' }],
      webhooks: { retryDelaysMs: [300, 300, 300] },
    });
    const secrets = testSecretBox();
    api = await startTestApi({ db: database.db, temporal, taskQueue, secrets });
    worker = await startTestWorker({
      taskQueue,
      activities: testActivities(database.db, {
        secrets,
        mailer: createMailer({ transport: createSmtpTransport({ url: smtp.url }) }),
        publicBaseUrl: api.url,
      }),
    });
    // Our receiver, mounted as api/app.ts should: before any JSON parser.
    routeDeps = {
      db: database.db,
      temporal,
      catalogue: createCatalogueService({ db: database.db }),
      taskQueue,
      secrets,
      log: pino({ level: 'silent' }),
    };
    const app = express();
    app.use(greenhouseWebhookRoutes(routeDeps));
    app.use(express.json());
    app.use(errorHandler(pino({ level: 'silent' })));
    hooks = await listen(app);

    // Operator set-up: tenant, connection, the test, the Take Home Test stage of every job mapped.
    const seeded = sb.orgs[0]!;
    orgId = seeded.org.id;
    tenantId = String((await api.call('POST', '/operator/tenants', { slug: 'acme', name: 'Acme' })).body!.id);
    expect(
      (
        await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
          kind: 'v3_client_credentials',
          clientId: seeded.credentials.v3.clientId,
          clientSecret: seeded.credentials.v3.clientSecret,
          auditUserId: seeded.siteAdmin.id,
          greenhouseHost: 'app.greenhouse.io',
          harvestBaseUrl: sb.url,
          authBaseUrl: sb.url,
        })
      ).status,
    ).toBe(200);
    expect((await api.call('PUT', `/operator/tenants/${tenantId}/tests/js-basics`, keyedTest)).status).toBe(
      201,
    );
    const org = sb.state.org(orgId)!;
    const mappings = org.jobs.all().map((job) => ({
      jobId: String(job.id),
      stageId: String(org.stagesOfJob(job.id).find((s) => s.name === 'Take Home Test')!.id),
      testId: 'js-basics',
    }));
    expect(
      (await api.call('PUT', `/operator/tenants/${tenantId}/stage-test-mappings`, { mappings })).status,
    ).toBe(200);
    const mode = await api.call('POST', `/operator/tenants/${tenantId}/modes/webhook_trigger/activate`, {});
    webhookSecret = String(mode.body!.webhookSecret);
    webhookUrl = `${hooks.url}/webhooks/greenhouse/${tenantId}`;
    // Greenhouse pings a new webhook and creates it disabled if the ping fails.
    await sb.admin.configureIntegration(orgId, {
      webhook: { url: webhookUrl, secret: webhookSecret, ping: true },
    });
    expect(org.integration.webhook?.enabled).toBe(true);
  });
  afterAll(async () => {
    await worker?.stop();
    await hooks?.close();
    await api?.close();
    await sb?.close();
    await smtp?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('a mapped stage starts one journey; the result lands once; a redelivery starts nothing', async () => {
    const application = freshApplications()[0]!;
    const journeyId = journeyIdOf(application.id);

    sb.admin.moveStage(orgId, application.id, { stageName: 'Take Home Test' });
    await sb.idle();
    const invite = await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    const candidate = sb.state.org(orgId)!.candidates.get(application.candidateId)!;
    expect(invite.envelope.to).toEqual(expect.arrayContaining([candidate.emails[0]!.value]));
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row).toMatchObject({
      trigger: 'webhook',
      greenhouseApplicationId: String(application.id),
      greenhouseCandidateId: String(application.candidateId),
      jobId: String(application.jobId),
    });
    const [delivery] = sb.webhooks.deliveries({ orgId, action: 'candidate_stage_change' });
    expect(delivery).toMatchObject({ state: 'delivered' });
    expect(
      await database.db.webhookEvent.findUnique({
        where: { tenantId_eventId: { tenantId, eventId: delivery!.eventId } },
      }),
    ).toMatchObject({ action: 'candidate_stage_change', outcome: `started: ${journeyId}` });

    // Greenhouse redelivers the same event (same bytes, signature and Greenhouse-Event-ID).
    const replay = await post(webhookUrl, delivery!.body, {
      Signature: delivery!.signature,
      'Greenhouse-Event-ID': delivery!.eventId,
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: true });
    // The same move reported under a new event id joins the same journey (business id).
    const again = await post(webhookUrl, delivery!.body, {
      Signature: delivery!.signature,
      'Greenhouse-Event-ID': 'another-event-for-the-same-move',
    });
    expect(await again.json()).toMatchObject({ outcome: `started (existing journey): ${journeyId}` });

    // The candidate takes the test on the page.
    const text = invite.parts.find((p) => p.contentType === 'text/plain')!.body;
    const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    expect((await fetch(link)).status).toBe(200);
    const ok = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'q:q1': 'b' }),
    });
    expect(ok.status).toBe(200);
    const final = await temporal.workflow.getHandle(journeyId).result();
    expect(final).toMatchObject({ status: 'complete', scorePercent: 100, invitesSent: 1 });

    const gh = sb.state.org(orgId)!;
    expect(
      gh.candidates
        .get(application.candidateId)!
        .notes.filter((n) => /JavaScript basics: 100%/.test(String(n.body))),
    ).toHaveLength(1);
    expect(
      gh.applications
        .get(application.id)!
        .attachments.filter((a) => a.filename.startsWith('assessment-report-')),
    ).toHaveLength(1);
    expect(
      await database.db.journey.count({ where: { greenhouseApplicationId: String(application.id) } }),
    ).toBe(1);
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
  });

  it('refuses a bad or missing signature with 401: no journey, no dedupe row', async () => {
    const application = freshApplications()[0]!;
    const body = JSON.stringify({
      action: 'candidate_stage_change',
      payload: {
        application: {
          id: application.id,
          candidate: {
            id: application.candidateId,
            first_name: 'Eve',
            email_addresses: [{ value: 'e@x.test' }],
          },
          jobs: [{ id: application.jobId }],
          current_stage: {
            id: sb.state
              .org(orgId)!
              .stagesOfJob(application.jobId)
              .find((s) => s.name === 'Take Home Test')!.id,
            name: 'Take Home Test',
          },
        },
      },
    });
    const forged = await post(webhookUrl, body, {
      Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), 'not-the-secret')}`,
      'Greenhouse-Event-ID': 'forged-1',
    });
    expect(forged.status).toBe(401);
    const unsigned = await post(webhookUrl, body, { 'Greenhouse-Event-ID': 'forged-2' });
    expect(unsigned.status).toBe(401);
    // A good signature on other bytes (altered body) fails too.
    const altered = await post(webhookUrl, body.replace('Eve', 'Mallory'), {
      Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecret)}`,
      'Greenhouse-Event-ID': 'forged-3',
    });
    expect(altered.status).toBe(401);
    // Another tenant's URL with this tenant's signature: unknown tenant, same 401.
    const elsewhere = await post(`${hooks.url}/webhooks/greenhouse/ten_nope`, body, {
      Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecret)}`,
      'Greenhouse-Event-ID': 'forged-4',
    });
    expect(elsewhere.status).toBe(401);

    expect(await database.db.webhookEvent.count({ where: { eventId: { startsWith: 'forged-' } } })).toBe(0);
    expect(
      await database.db.journey.count({ where: { greenhouseApplicationId: String(application.id) } }),
    ).toBe(0);
  });

  it('a failure to start answers 503 and the redelivery processes the event', async () => {
    const application = freshApplications()[0]!;
    const stageId = sb.state
      .org(orgId)!
      .stagesOfJob(application.jobId)
      .find((s) => s.name === 'Take Home Test')!.id;
    const candidate = sb.state.org(orgId)!.candidates.get(application.candidateId)!;
    const body = JSON.stringify({
      action: 'candidate_stage_change',
      payload: {
        application: {
          id: application.id,
          candidate: {
            id: candidate.id,
            first_name: candidate.firstName,
            last_name: candidate.lastName,
            email_addresses: candidate.emails,
          },
          jobs: [{ id: application.jobId }],
          current_stage: { id: stageId, name: 'Take Home Test' },
        },
      },
    });
    const headers = {
      Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecret)}`,
      'Greenhouse-Event-ID': 'temporal-was-down-1',
    };
    // The same receiver whose Temporal is unreachable.
    const down = express();
    down.use(
      greenhouseWebhookRoutes({
        ...routeDeps,
        temporal: {
          workflow: { start: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')) },
        } as unknown as Client,
      }),
    );
    down.use(errorHandler(pino({ level: 'silent' })));
    const downServer = await listen(down);
    try {
      const failed = await post(`${downServer.url}/webhooks/greenhouse/${tenantId}`, body, headers);
      expect(failed.status).toBe(503);
    } finally {
      await downServer.close();
    }
    const row = await database.db.webhookEvent.findUniqueOrThrow({
      where: { tenantId_eventId: { tenantId, eventId: 'temporal-was-down-1' } },
    });
    expect(row.outcome).toMatch(/^failed \(will retry\): /);

    // Greenhouse redelivers (same id) once we are back: the event is processed, once.
    const journeyId = journeyIdOf(application.id);
    const retried = await post(webhookUrl, body, headers);
    expect(retried.status).toBe(200);
    // The failed attempt had written the read-model row before Temporal refused the start.
    expect(await retried.json()).toMatchObject({ outcome: `started (existing journey): ${journeyId}` });
    await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    const third = await post(webhookUrl, body, headers);
    expect(await third.json()).toMatchObject({
      duplicate: true,
      outcome: `started (existing journey): ${journeyId}`,
    });

    // Stop it through Greenhouse: hired.
    sb.admin.hire(orgId, application.id);
    await sb.idle();
    expect(await temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'cancelled',
      stopReason: 'stopped by Greenhouse: hire_candidate',
    });
  });

  it('reject_candidate mid-journey cancels it: no reminder, no result', async () => {
    const application = freshApplications()[0]!;
    const journeyId = journeyIdOf(application.id);
    sb.admin.moveStage(orgId, application.id, { stageName: 'Take Home Test' });
    await sb.idle();
    await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    const handle = temporal.workflow.getHandle(journeyId);
    await waitFor('the journey to wait for the candidate', async () => {
      const state = await handle.query(assessmentStateQuery);
      return state.status === 'sent';
    });

    sb.admin.reject(orgId, application.id, 'Not a fit');
    await sb.idle();
    const final = await handle.result();
    expect(final).toMatchObject({
      status: 'cancelled',
      invitesSent: 1,
      remindersSent: 0,
      stopReason: 'stopped by Greenhouse: reject_candidate',
    });
    // The workflow is closed: its reminder timer (1 h) can never fire.
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await waitFor('the read model to show the cancellation', async () => {
      const row = await database.db.journey.findUnique({ where: { id: journeyId } });
      return row?.status === 'cancelled';
    });
    const [rejected] = sb.webhooks.deliveries({ orgId, action: 'reject_candidate' });
    expect(
      await database.db.webhookEvent.findUnique({
        where: { tenantId_eventId: { tenantId, eventId: rejected!.eventId } },
      }),
    ).toMatchObject({ outcome: `stopped 1 journey(s): ${journeyId}` });
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
    const gh = sb.state.org(orgId)!;
    expect(gh.candidates.get(application.candidateId)!.notes).toHaveLength(0);

    // A second reject of a finished journey finds nothing to stop and still answers 200.
    const replay = await post(webhookUrl, rejected!.body, {
      Signature: rejected!.signature,
      'Greenhouse-Event-ID': 'reject-again',
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({
      outcome: 'ignored: no running journey for this reject_candidate',
    });
  });

  it('delete_candidate and candidate_anonymized erase the journeys; merge_candidate retargets them', async () => {
    const [toDelete, toAnonymize, toMerge] = freshApplications();
    const ids = [toDelete!, toAnonymize!, toMerge!].map((a) => journeyIdOf(a.id));
    for (const [i, a] of [toDelete!, toAnonymize!, toMerge!].entries()) {
      sb.admin.moveStage(orgId, a.id, { stageName: 'Take Home Test' });
      await sb.idle();
      await smtp.waitFor((m) => m.idempotencyKey === `${ids[i]}:invite:1`, 30_000);
      // The read model says sent just after the mail is accepted: wait for it, the merge checks it.
      await waitFor(
        `${ids[i]} to be sent`,
        async () => (await database.db.journey.findUnique({ where: { id: ids[i]! } }))?.status === 'sent',
      );
    }
    // Greenhouse deleted or anonymised the candidate: our copy is erased and the journey stopped.
    sb.admin.deleteCandidate(orgId, toDelete!.candidateId);
    sb.admin.anonymizeCandidate(orgId, toAnonymize!.candidateId);
    await sb.idle();
    for (const [id, event] of [
      [ids[0]!, 'delete_candidate'],
      [ids[1]!, 'candidate_anonymized'],
    ] as const) {
      expect((await temporal.workflow.getHandle(id).describe()).status.name).toBe('TERMINATED');
      expect(await database.db.journey.findUniqueOrThrow({ where: { id } })).toMatchObject({
        status: 'cancelled',
        erasedAt: expect.any(Date),
      });
      expect(
        await database.db.journeyCandidate.findUniqueOrThrow({ where: { journeyId: id } }),
      ).toMatchObject({
        firstName: 'erased',
        email: 'erased@invalid',
      });
      const [audit] = await database.db.auditEntry.findMany({ where: { journeyId: id } });
      expect(audit).toMatchObject({ actor: 'greenhouse', action: 'journey.erase', outcome: 'ok' });
      expect(audit!.detail).toMatchObject({ trigger: event });
      expect(mailsOf(id)).toEqual([`${id}:invite:1`]);
    }

    // The sandbox does not send merge_candidate: sign one ourselves.
    const body = JSON.stringify({
      action: 'merge_candidate',
      payload: { person: { id: toMerge!.candidateId, new_candidate_id: 424242 } },
    });
    const res = await post(webhookUrl, body, {
      Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecret)}`,
      'Greenhouse-Event-ID': 'merge-1',
    });
    expect(await res.json()).toMatchObject({ outcome: expect.stringMatching(/^merged: 1 journey/) });
    expect(await database.db.journey.findUniqueOrThrow({ where: { id: ids[2]! } })).toMatchObject({
      greenhouseCandidateId: '424242',
      status: 'sent',
    });
    await temporal.workflow.getHandle(ids[2]!).terminate('test over');
  });

  it('does not invite again when a vendor invite found, or still looks for, this application', async () => {
    expect(
      (await api.call('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/activate`, {})).status,
    ).toBe(200);
    const application = freshApplications()[0]!;
    const candidate = sb.state.org(orgId)!.candidates.get(application.candidateId)!;
    const { journeyId: vendorJourney } = await inviteCandidate(
      { ...routeDeps, applicationMatch: { intervalSeconds: 1, attempts: 30 } },
      tenantId,
      {
        email: candidate.emails[0]!.value,
        firstName: candidate.firstName,
        lastName: candidate.lastName,
        jobId: String(application.jobId),
        testId: 'js-basics',
      },
    );
    await smtp.waitFor((m) => m.idempotencyKey === `${vendorJourney}:invite:1`, 30_000);

    sb.admin.moveStage(orgId, application.id, { stageName: 'Take Home Test' });
    await sb.idle();
    const [delivery] = sb.webhooks
      .deliveries({ orgId, action: 'candidate_stage_change' })
      .filter((d) => d.body.includes(`"id":${application.id},`));
    expect(
      await database.db.webhookEvent.findUnique({
        where: { tenantId_eventId: { tenantId, eventId: delivery!.eventId } },
      }),
    ).toMatchObject({ outcome: `ignored: journey ${vendorJourney} already covers this application` });
    expect(
      await database.db.journey.count({ where: { greenhouseApplicationId: String(application.id) } }),
    ).toBe(1);
    await temporal.workflow.getHandle(vendorJourney).terminate('test over');

    // A vendor journey still waiting for the application (next look in an hour) covers it too.
    const email = 'waiting.vendor@example.com';
    const { journeyId: waiting } = await inviteCandidate(
      { ...routeDeps, applicationMatch: { intervalSeconds: 3600, attempts: 3 } },
      tenantId,
      { email, firstName: 'Wai', lastName: 'Ting', jobId: String(application.jobId), testId: 'js-basics' },
    );
    await waitFor('the vendor journey to wait for the application', async () => {
      const row = await database.db.journey.findUnique({ where: { id: waiting } });
      return row?.statusDetail?.includes('application to appear in Greenhouse');
    });
    // The candidate applies (the sandbox has no route for this: its state is changed directly).
    const org = sb.state.org(orgId)!;
    const now = Date.now();
    const added = org.addCandidate({
      ...candidate,
      id: sb.state.ids.id(),
      firstName: 'Wai',
      lastName: 'Ting',
      emails: [{ value: email, type: 'personal' }],
      phones: [],
      applicationIds: [],
      attachments: [],
      notes: [],
      customFields: new Map(),
      createdAt: now,
      updatedAt: now,
      lastActivity: now,
    });
    const app = org.addApplication({
      ...application,
      id: sb.state.ids.id(),
      candidateId: added.id,
      stageId: org.stagesOfJob(application.jobId)[0]!.id,
      attachments: [],
      customFields: new Map(),
    });
    sb.admin.moveStage(orgId, app.id, { stageName: 'Take Home Test' });
    await sb.idle();
    const [moved] = sb.webhooks
      .deliveries({ orgId, action: 'candidate_stage_change' })
      .filter((d) => d.body.includes(`"id":${app.id},`));
    expect(
      await database.db.webhookEvent.findUnique({
        where: { tenantId_eventId: { tenantId, eventId: moved!.eventId } },
      }),
    ).toMatchObject({ outcome: `ignored: journey ${waiting} already covers this application` });
    expect(await database.db.journey.count({ where: { greenhouseApplicationId: String(app.id) } })).toBe(0);
    expect(mailsOf(waiting)).toEqual([]);
    await temporal.workflow.getHandle(waiting).terminate('test over');
  });

  it('takes over an abandoned claim after its lease, and refuses a live one with 409', async () => {
    const body = JSON.stringify({ action: 'ping', payload: { web_hook_id: 1 } });
    const headers = (eventId: string) => ({
      Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecret)}`,
      'Greenhouse-Event-ID': eventId,
    });
    await database.db.webhookEvent.createMany({
      data: [
        {
          tenantId,
          eventId: 'lease-old',
          action: 'ping',
          outcome: 'processing since 2026-01-01T00:00:00.000Z',
        },
        {
          tenantId,
          eventId: 'lease-live',
          action: 'ping',
          outcome: `processing since ${new Date().toISOString()}`,
        },
      ],
    });
    const old = await post(webhookUrl, body, headers('lease-old'));
    expect(old.status).toBe(200);
    expect(await old.json()).toMatchObject({ outcome: 'ignored: ping' });
    expect((await post(webhookUrl, body, headers('lease-live'))).status).toBe(409);
  });

  it('records pings, unmapped stages, missing e-mails and unknown actions with 200', async () => {
    const signed = async (eventId: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      const res = await post(webhookUrl, body, {
        Signature: `sha256 ${computeWebhookSignature(Buffer.from(body), webhookSecret)}`,
        'Greenhouse-Event-ID': eventId,
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { outcome: string }).outcome;
    };
    const application = freshApplications()[0]!;
    const org = sb.state.org(orgId)!;
    const stage = (name: string) => org.stagesOfJob(application.jobId).find((s) => s.name === name)!;
    const change = (stageName: string, emails: { value: string }[]) => ({
      action: 'candidate_stage_change',
      payload: {
        application: {
          id: application.id,
          candidate: {
            id: application.candidateId,
            first_name: 'A',
            last_name: 'B',
            email_addresses: emails,
          },
          jobs: [{ id: application.jobId }],
          current_stage: { id: stage(stageName).id, name: stageName },
        },
      },
    });
    expect(await signed('misc-1', { action: 'ping', payload: { web_hook_id: 1 } })).toBe('ignored: ping');
    expect(await signed('misc-2', { action: 'interview_deleted', payload: {} })).toBe(
      'ignored: unsupported action interview_deleted',
    );
    expect(await signed('misc-3', change('Face to Face', [{ value: 'a@b.test' }]))).toMatch(
      /^ignored: stage \d+ is not mapped/,
    );
    expect(await signed('misc-4', change('Take Home Test', []))).toBe('ignored: no e-mail');
    expect(await signed('misc-5', { action: 'reject_candidate', payload: {} })).toMatch(
      /^ignored: unreadable reject_candidate webhook/,
    );
    expect(
      await database.db.journey.count({ where: { greenhouseApplicationId: String(application.id) } }),
    ).toBe(0);
    expect(await database.db.webhookEvent.count({ where: { eventId: { startsWith: 'misc-' } } })).toBe(5);
  });
});
