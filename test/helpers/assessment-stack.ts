import type { Client } from '@temporalio/client';
import type { Logger } from '../../observability/logger.js';
import { expect } from 'vitest';
import type { Activities, ActivityDependencies } from '../../activities/index.js';
import type { AppDependencies } from '../../api/app.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../greenhouse-sandbox/index.js';
import { createMailer, createSmtpTransport } from '../../mail/index.js';
import {
  createSecretBox,
  generateEncryptionKeySpec,
  parseEncryptionKeys,
} from '../../security/secret-box.js';
import { testActivities } from './activities.js';
import { startTestApi } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import {
  createTestSmtpServer,
  type TestSmtpServer,
  type TestSmtpServerOptions,
} from '../../harness/smtp-server.js';
import { connectTestClient, startTestWorker, uniqueTaskQueue, type RunningTestWorker } from './temporal.js';

/** The smallest keyed test: one single-choice question (q1, answer b), pass mark 50 %. */
export const oneQuestionTest = {
  testId: 'js-basics',
  name: 'JavaScript basics',
  passMarkPercent: 50,
  deadlineDays: 7,
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
      ],
    },
  ],
};

/** A keyed test (auto-graded): 2 questions, 4 points, pass mark 50 %. */
export const keyedTest = {
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

/**
 * The whole product for one tenant, as the operator would set it up: test database, Temporal,
 * a real SMTP server, the Greenhouse sandbox, our API and worker; the tenant connected over v3,
 * score and pass/fail mapped to custom fields, the test in the catalogue, partner mode active
 * and the sandbox pointed at our partner API.
 */
export async function startAssessmentStack(
  options: {
    sandbox?: SandboxOptions;
    tests?: object[];
    activities?: Partial<ActivityDependencies>;
    /** Around the worker's activities (a fault in one step), in every worker this stack starts. */
    wrapActivities?: (activities: Activities) => Activities;
    smtp?: TestSmtpServerOptions;
    /** One logger for the API, the worker and the mailer, as production's processes log. */
    log?: Logger;
    /** Extra API dependencies (rate limits, DNS for the callback check, …). */
    api?: Partial<AppDependencies>;
  } = {},
) {
  const database: TestDatabase = await createTestDatabase();
  const temporal: Client = await connectTestClient();
  const smtp: TestSmtpServer = createTestSmtpServer(options.smtp);
  await smtp.start();
  const sb: Sandbox = await startSandbox(
    options.sandbox ?? { orgs: [{ name: 'Acme', candidates: 5, plan: 'enterprise' }] },
  );
  // Known key material, so a worker in another process (crash tests) decrypts what the API stored.
  const secretsSpec = generateEncryptionKeySpec('stack1');
  const secrets = createSecretBox(parseEncryptionKeys(secretsSpec));
  const taskQueue = uniqueTaskQueue('assessment');
  // The sandbox's completion URLs are plain http on loopback: exactly its host is allowed so.
  const callbackSandboxHosts = [new URL(sb.url).host];
  const api = await startTestApi({
    db: database.db,
    temporal,
    taskQueue,
    secrets,
    callbackSandboxHosts,
    ...(options.log ? { log: options.log } : {}),
    ...options.api,
  });
  const activityDeps = {
    secrets,
    mailer: createMailer({
      transport: createSmtpTransport({ url: smtp.url }),
      ...(options.log ? { logger: options.log } : {}),
    }),
    publicBaseUrl: api.url,
    callbackSandboxHosts,
    ...options.activities,
  };
  const observe = options.log ? { observe: { log: options.log } } : {};
  const workerActivities = () =>
    (options.wrapActivities ?? ((a) => a))(testActivities(database.db, activityDeps));
  let worker: RunningTestWorker = await startTestWorker({
    taskQueue,
    activities: workerActivities(),
    timelineDb: database.db,
    ...observe,
  });

  const org = sb.orgs[0]!;
  const tenantId = String(
    (await api.call('POST', '/operator/tenants', { slug: 'acme', name: 'Acme' })).body!.id,
  );
  /** The operator (re)connects the tenant's Greenhouse with its v3 client credentials. */
  const connectGreenhouse = () =>
    api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
      kind: 'v3_client_credentials',
      clientId: org.credentials.v3.clientId,
      clientSecret: org.credentials.v3.clientSecret,
      auditUserId: org.siteAdmin.id,
      greenhouseHost: 'app.greenhouse.io',
      harvestBaseUrl: sb.url,
      authBaseUrl: sb.url,
    });
  const connect = await connectGreenhouse();
  expect(connect.status).toBe(200);
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
  for (const test of options.tests ?? [keyedTest]) {
    const put = await api.call(
      'PUT',
      `/operator/tenants/${tenantId}/tests/${(test as { testId: string }).testId}`,
      test,
    );
    expect(put.status).toBe(201);
  }
  const callbackKey = `callback_org${org.org.id}`;
  const mode = await api.call('POST', `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
    callbackCredential: callbackKey,
  });
  const partnerKey = String(mode.body!.partnerApiKey);
  await sb.admin.configureIntegration(org.org.id, {
    partnerApi: { baseUrl: `${api.url}/partner`, apiKey: partnerKey },
    callbackAuth: { kind: 'basic_key', key: callbackKey },
  });

  const stack = {
    database,
    temporal,
    smtp,
    sb,
    api,
    org,
    tenantId,
    partnerKey,
    taskQueue,
    secretsSpec,
    /** The secret box the API and the worker share (tenants' credentials, journeys' data keys). */
    secrets,
    /** The worker's activities, to call one directly as a retry after a crash would. */
    activities: () => testActivities(database.db, activityDeps),
    /** Stops the in-process worker for good (a test then runs workers as processes). */
    async stopWorker() {
      await worker.stop();
    },
    get worker() {
      return worker;
    },
    /** Replaces the worker (e.g. after stopping it to simulate a crash). */
    async restartWorker() {
      await worker.stop().catch(() => undefined);
      worker = await startTestWorker({
        taskQueue,
        activities: workerActivities(),
        timelineDb: database.db,
        ...observe,
      });
    },
    /** Greenhouse's view of one application: notes, attachments, custom fields, take-home tests. */
    greenhouse(applicationId: number) {
      const gh = sb.state.org(org.org.id)!;
      const app = gh.applications.get(applicationId)!;
      return {
        notes: gh.candidates.get(app.candidateId)!.notes,
        attachments: app.attachments,
        customFields: [...app.customFields.values()],
        tests: sb.admin.tests(org.org.id).filter((t) => t.applicationId === applicationId),
        patches: sb.partner.patches,
      };
    },
    /** Opens the invite link from the candidate's e-mail and submits the form. */
    async submitFromInvite(journeyId: string, answers: Record<string, string>, n = 1) {
      const invite = await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:${n}`, 30_000);
      const text = invite.parts.find((p) => p.contentType === 'text/plain')!.body;
      const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
      const res = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(answers),
      });
      return { link, status: res.status, html: await res.text() };
    },
    reconnectGreenhouse: connectGreenhouse,
    journeyIdFor: (applicationId: number, testId = 'js-basics') =>
      `assessment:${tenantId}:app-${applicationId}:${testId}`,
    async close() {
      await worker?.stop();
      await api?.close();
      await sb?.close();
      await smtp?.close();
      await temporal?.connection.close();
      await database?.drop();
    },
  };
  return stack;
}
export type AssessmentStack = Awaited<ReturnType<typeof startAssessmentStack>>;
