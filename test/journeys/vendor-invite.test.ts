import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { pino } from 'pino';
import type { Client } from '@temporalio/client';
import { errorHandler } from '../../api/http-errors.js';
import { requireOperator } from '../../api/operator/auth.js';
import { inviteRoutes } from '../../api/operator/invites.js';
import { createCatalogueService } from '../../catalogue/service.js';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { createMailer, createSmtpTransport } from '../../mail/index.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { oneQuestionTest } from '../helpers/assessment-stack.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
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

// Vendor-side invites on the real stack: the journey finds the candidate's application through
// Harvest (sandbox) by e-mail and job, waits visibly while it does not exist, and invites once.
const keyedTest = oneQuestionTest;

describe('assessment journeys from vendor invites', () => {
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let smtp: TestSmtpServer;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let invites: Awaited<ReturnType<typeof listen>>;
  let worker: RunningTestWorker;
  let tenantId: string;
  let orgId: number;
  let jobId: number;
  const taskQueue = uniqueTaskQueue('vendor');

  const invite = async (body: unknown, tenant = tenantId) => {
    const res = await fetch(`${invites.url}/operator/tenants/${tenant}/invites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        journeyId?: string;
        created?: boolean;
        error?: { code: string; field?: string; message: string };
      },
    };
  };
  const mailsOf = (journeyId: string) =>
    smtp.messages.filter((m) => m.idempotencyKey?.startsWith(`${journeyId}:`)).map((m) => m.idempotencyKey);

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    smtp = createTestSmtpServer();
    await smtp.start();
    sb = await startSandbox({ orgs: [{ name: 'Acme', candidates: 5, plan: 'enterprise' }] });
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
    // The invite routes, mounted as api/app.ts should: under /operator, behind operator auth.
    const app = express();
    app.use(express.json());
    const operator = express.Router();
    operator.use(requireOperator({ db: database.db, operatorKey: TEST_OPERATOR_KEY }));
    operator.use(
      inviteRoutes({
        db: database.db,
        temporal,
        catalogue: createCatalogueService({ db: database.db }),
        taskQueue,
        applicationMatch: { intervalSeconds: 1, attempts: 120 },
      }),
    );
    app.use('/operator', operator);
    app.use(errorHandler(pino({ level: 'silent' })));
    invites = await listen(app);

    const seeded = sb.orgs[0]!;
    orgId = seeded.org.id;
    jobId = sb.state.org(orgId)!.jobs.all()[0]!.id;
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
    expect(
      (
        await api.call('PUT', `/operator/tenants/${tenantId}/job-test-mappings`, {
          mappings: [{ jobId: String(jobId), testId: 'js-basics' }],
        })
      ).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await worker?.stop();
    await invites?.close();
    await api?.close();
    await sb?.close();
    await smtp?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('refuses invites while vendor_invite is not active (409)', async () => {
    const res = await invite({ email: 'x@example.com', firstName: 'X', lastName: 'Y', jobId: String(jobId) });
    expect(res.status).toBe(409);
    expect(await database.db.journey.count()).toBe(0);
    expect(
      (await api.call('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/activate`, {})).status,
    ).toBe(200);
  });

  it('rejects bad input with 400 naming the field, and starts nothing', async () => {
    const good = { email: 'x@example.com', firstName: 'X', lastName: 'Y', jobId: String(jobId) };
    const cases: [unknown, string][] = [
      [{ ...good, email: 'not-an-email' }, 'email'],
      [{ ...good, firstName: '  ' }, 'firstName'],
      [{ ...good, lastName: undefined }, 'lastName'],
      [{ ...good, jobId: 'abc' }, 'jobId'],
      [{ ...good, testId: '' }, 'testId'],
    ];
    for (const [body, field] of cases) {
      const res = await invite(body);
      expect(res.status, field).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', field });
    }
    const extra = await invite({ ...good, phone: '123' });
    expect(extra.status).toBe(400);
    expect(extra.body.error!.message).toMatch(/phone/);
    // No test given and the job is not mapped: 422 naming testId.
    const unmapped = await invite({ ...good, jobId: '999999' });
    expect(unmapped.status).toBe(422);
    expect(unmapped.body.error).toMatchObject({ field: 'testId' });
    const unknownTest = await invite({ ...good, testId: 'no-such-test' });
    expect(unknownTest.status).toBe(422);
    expect(unknownTest.body.error).toMatchObject({ field: 'testId' });
    expect(await database.db.journey.count()).toBe(0);
  });

  it('finds the existing application, invites once, and lands the result', async () => {
    const org = sb.state.org(orgId)!;
    const application = org.applicationIdsForJob(jobId).map((id) => org.applications.get(id)!)[0]!;
    const candidate = org.candidates.get(application.candidateId)!;
    const body = {
      email: candidate.emails[0]!.value.toUpperCase(), // e-mail case does not matter
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId: String(jobId),
    };
    const first = await invite(body);
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    const journeyId = first.body.journeyId!;
    const mail = await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    expect(mail.envelope.to.map((to) => to.toLowerCase())).toEqual([body.email.toLowerCase()]);
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row).toMatchObject({
      trigger: 'vendor',
      jobId: String(jobId),
      greenhouseApplicationId: String(application.id),
      greenhouseCandidateId: String(candidate.id),
    });

    // The operator clicks again (or re-uploads the CSV): same journey, nothing sent twice.
    const again = await invite({ ...body, email: candidate.emails[0]!.value, testId: 'js-basics' });
    expect(again).toMatchObject({ status: 200, body: { journeyId, created: false } });

    const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
    const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    const ok = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'q:q1': 'b' }),
    });
    expect(ok.status).toBe(200);
    expect(await temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      invitesSent: 1,
    });
    // Start path 2 (issue 17): the application search and the invite as local activities first.
    await recordHistoryIfAsked('assessment-vendor-start-path-2', journeyId);
    expect(candidate.notes.filter((n) => /JavaScript basics: 100%/.test(String(n.body)))).toHaveLength(1);
    expect(application.attachments.filter((a) => a.filename.startsWith('assessment-report-'))).toHaveLength(
      1,
    );
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
    expect(await database.db.journey.count()).toBe(1);
  });

  it('waits visibly for an application that does not exist yet, then invites', async () => {
    const email = 'late.applicant@example.com';
    const first = await invite({ email, firstName: 'Late', lastName: 'Applicant', jobId: String(jobId) });
    expect(first.status).toBe(201);
    const journeyId = first.body.journeyId!;
    const waiting = await waitFor('the journey to say it waits for the application', async () => {
      const row = await database.db.journey.findUnique({ where: { id: journeyId } });
      return row?.statusDetail?.includes('application to appear in Greenhouse') ? row : null;
    });
    expect(waiting).toMatchObject({ status: 'created', greenhouseApplicationId: null });
    expect(waiting.statusDetail).toMatch(/no Greenhouse candidate has this e-mail address/);
    expect(mailsOf(journeyId)).toEqual([]);

    // The candidate applies in Greenhouse. The sandbox has no Harvest or admin route to create a
    // candidate, so the test adds one to the sandbox's state directly.
    const org = sb.state.org(orgId)!;
    const now = Date.now();
    const candidate = org.addCandidate({
      id: sb.state.ids.id(),
      firstName: 'Late',
      lastName: 'Applicant',
      company: null,
      title: null,
      isPrivate: false,
      createdAt: now,
      updatedAt: now,
      lastActivity: now,
      emails: [{ value: email, type: 'personal' }],
      phones: [],
      tags: [],
      applicationIds: [],
      attachments: [],
      notes: [],
      customFields: new Map(),
      recruiterId: null,
      coordinatorId: null,
      anonymized: false,
    });
    const application = org.addApplication({
      id: sb.state.ids.id(),
      candidateId: candidate.id,
      jobId,
      stageId: org.jobs.get(jobId)!.stageIds[0] ?? null,
      status: 'active',
      prospect: false,
      appliedAt: now,
      rejectedAt: null,
      lastActivityAt: now,
      source: null,
      creditedToId: null,
      rejectionReason: null,
      attachments: [],
      customFields: new Map(),
    });

    await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    await waitFor('the read model to show the invite', async () => {
      const row = await database.db.journey.findUnique({ where: { id: journeyId } });
      return row?.status === 'sent' ? row : null;
    });
    expect(await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } })).toMatchObject({
      greenhouseApplicationId: String(application.id),
      greenhouseCandidateId: String(candidate.id),
    });

    // A repeat invite joins the running journey and sends nothing.
    const again = await invite({ email, firstName: 'Late', lastName: 'Applicant', jobId: String(jobId) });
    expect(again).toMatchObject({ status: 200, body: { journeyId, created: false } });
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
    await temporal.workflow.getHandle(journeyId).terminate('test over');
  });
});
