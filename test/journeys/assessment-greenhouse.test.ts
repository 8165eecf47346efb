import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { createMailer, createSmtpTransport } from '../../mail/index.js';
import { assessmentStateQuery } from '../../workflows/assessment/messages.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/processes.js';
import { createTestSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';

// The assessment journey from Greenhouse's "Send test", on the real stack: Temporal dev server,
// PostgreSQL, a real SMTP server, the Greenhouse sandbox over HTTP, our API and worker.
const keyedTest = {
  testId: 'js-basics',
  name: 'JavaScript basics',
  passMarkPercent: 50,
  timeLimitMinutes: 30,
  deadlineDays: 7,
  reminders: { afterInviteHours: [48], beforeDeadlineHours: [24] },
  sections: [
    {
      id: 'core',
      title: 'Core language',
      questions: [
        {
          kind: 'single_choice',
          id: 'q1',
          prompt: 'typeof null is…',
          points: 2,
          options: [
            { id: 'a', text: '"null"' },
            { id: 'b', text: '"object"', correct: true },
          ],
        },
        {
          kind: 'numeric',
          id: 'q2',
          prompt: '0.1 * 3, to one decimal',
          points: 2,
          answer: 0.3,
          tolerance: 0.05,
        },
      ],
    },
  ],
};

describe('assessment journey started by Greenhouse', () => {
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let smtp: TestSmtpServer;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let worker: RunningTestWorker;
  let tenantId: string;
  const taskQueue = uniqueTaskQueue('assessment');

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

    // The operator's set-up: tenant, Greenhouse connection, mappings, the test, partner mode.
    const org = sb.orgs[0]!;
    tenantId = String((await api.call('POST', '/operator/tenants', { slug: 'acme', name: 'Acme' })).body!.id);
    await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
      kind: 'v3_client_credentials',
      clientId: org.credentials.v3.clientId,
      clientSecret: org.credentials.v3.clientSecret,
      auditUserId: org.siteAdmin.id,
      greenhouseHost: 'app.greenhouse.io',
      harvestBaseUrl: sb.url,
      authBaseUrl: sb.url,
    });
    const fields = (await api.call('GET', `/operator/tenants/${tenantId}/greenhouse/custom-fields`)).body!
      .application as { id: string; valueType: string }[];
    await api.call('PUT', `/operator/tenants/${tenantId}/custom-field-mappings`, {
      mappings: [
        {
          resultField: 'score',
          scope: 'application',
          customFieldId: fields.find((f) => f.valueType === 'number')!.id,
        },
        {
          resultField: 'pass_fail',
          scope: 'application',
          customFieldId: fields.find((f) => f.valueType === 'yes_no')!.id,
        },
      ],
    });
    expect((await api.call('PUT', `/operator/tenants/${tenantId}/tests/js-basics`, keyedTest)).status).toBe(
      201,
    );
    const callbackKey = `callback_org${org.org.id}`;
    const mode = await api.call('POST', `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
      callbackCredential: callbackKey,
    });
    await sb.admin.configureIntegration(org.org.id, {
      partnerApi: { baseUrl: `${api.url}/partner`, apiKey: String(mode.body!.partnerApiKey) },
      callbackAuth: { kind: 'basic_key', key: callbackKey },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await sb?.close();
    await smtp?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('invites once, takes the answers from the page, and lands the result in Greenhouse exactly once', async () => {
    const org = sb.orgs[0]!;
    const application = sb.state.org(org.org.id)!.applications.all()[0]!;

    // The recruiter clicks Send test twice (a double click): one journey, one invitation.
    await sb.admin.sendTest(org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: org.siteAdmin.id,
    });
    await sb.admin.sendTest(org.org.id, application.id, { partnerTestId: 'js-basics', reuse: true });
    await sb.idle();
    const invite = await smtp.waitFor((m) => /:invite:1$/.test(m.idempotencyKey ?? ''), 30_000);
    const journeyId = String(invite.idempotencyKey).replace(/:invite:1$/, '');
    expect(journeyId).toBe(`assessment:${tenantId}:app-${application.id}:js-basics`);

    const text = invite.parts.find((p) => p.contentType === 'text/plain')!.body;
    const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('typeof null is');
    expect(html).not.toContain('"correct"'); // keys never reach the page

    // A bad answer re-renders the form with the message and keeps what was typed.
    const bad = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'q:q1': 'zz', 'q:q2': '0.3' }),
    });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toMatch(/Please check your answers/);
    expect(badHtml).toContain('value="0.3"');

    const ok = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'q:q1': 'b', 'q:q2': '0.3' }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Thank you');

    const handle = temporal.workflow.getHandle(journeyId);
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'complete', scorePercent: 100, passed: true, invitesSent: 1 });
    expect(await handle.query(assessmentStateQuery)).toMatchObject({ status: 'complete' });
    await waitFor('the sandbox to read test_status after the PATCH', async () => {
      await sb.idle();
      return sb.partner.patches.length >= 1 && sb.admin.tests(org.org.id)[0]?.partnerStatus === 'complete';
    });

    // Exactly once, everywhere.
    expect(
      smtp.messages.filter((m) => m.idempotencyKey?.startsWith(journeyId)).map((m) => m.idempotencyKey),
    ).toEqual([`${journeyId}:invite:1`]);
    expect(sb.partner.patches).toHaveLength(1);
    const gh = sb.state.org(org.org.id)!;
    const candidate = gh.candidates.get(application.candidateId)!;
    const app = gh.applications.get(application.id)!;
    expect(candidate.notes.filter((n) => /JavaScript basics: 100%/.test(String(n.body)))).toHaveLength(1);
    expect(app.attachments.filter((a) => a.filename.startsWith('assessment-report-'))).toHaveLength(1);
    expect([...app.customFields.values()]).toEqual(expect.arrayContaining([100, true]));
    const test = sb.admin.tests(org.org.id)[0]!;
    expect(test).toMatchObject({ partnerStatus: 'complete', partnerScore: 100 });
    expect(test.partnerProfileUrl).toMatch(/\/r\//);

    // Greenhouse's own test_status call answers from the read model.
    const status = await fetch(
      `${api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${sb.orgs[0]!.org.integration.partnerApi!.apiKey}:`).toString('base64')}`,
        },
      },
    );
    expect(await status.json()).toMatchObject({ partner_status: 'complete', partner_score: 100 });
    expect(await database.db.partnerResponseError.count()).toBe(0);
  });
});
