import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBulkInviteActivities } from '../../activities/bulk-invite/index.js';
import { createCatalogueService } from '../../catalogue/service.js';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { createMailer, createSmtpTransport } from '../../mail/index.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { oneQuestionTest } from '../helpers/assessment-stack.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../../harness/processes.js';
import { createTestSmtpServer, type TestSmtpServer } from '../../harness/smtp-server.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';

// Bulk invites on the real stack (PostgreSQL, Temporal, worker, SMTP, Greenhouse sandbox).
//
// The 1,000-row upload starts its journeys on a task queue no worker polls ("parked"): every journey
// is started in Temporal and recorded in the read model exactly once, which is what the bulk invite
// promises, without 990 journeys then searching Harvest on a 2-core CI machine. A second, small
// upload runs its journeys for real: the invite e-mails go out once, also on re-upload.

interface BulkView {
  id: string;
  status: string;
  totalRows: number;
  validRows: number;
  invalidRows: number;
  started: number;
  alreadyInvited: number;
  failed: number;
  errors: { row: number; field: string; message: string }[];
}

const HEADER = 'email,first_name,last_name,job_id,test_id';

describe('bulk invites from CSV', () => {
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let smtp: TestSmtpServer;
  let parkedApi: Awaited<ReturnType<typeof startTestApi>>;
  let liveApi: Awaited<ReturnType<typeof startTestApi>>;
  let parkedWorker: RunningTestWorker;
  let liveWorker: RunningTestWorker;
  let tenantId: string;
  let orgId: number;
  let jobId: number;
  const bulkQueue = uniqueTaskQueue('bulk');
  const parkedJourneys = uniqueTaskQueue('parked');
  const liveQueue = uniqueTaskQueue('bulk-live');
  const secrets = testSecretBox();

  const activities = (overrides: Parameters<typeof testActivities>[1] = {}) =>
    testActivities(database.db, {
      secrets,
      mailer: createMailer({ transport: createSmtpTransport({ url: smtp.url }) }),
      publicBaseUrl: liveApi.url,
      ...overrides,
    });
  const startParkedWorker = () =>
    startTestWorker({ taskQueue: bulkQueue, activities: activities({ taskQueue: parkedJourneys }) });

  const upload = async (api: typeof parkedApi, csv: string) => {
    const res = await api.call('POST', `/operator/tenants/${tenantId}/invites/bulk`, csv, {
      'content-type': 'text/csv',
    });
    return { status: res.status, body: res.body as unknown as BulkView };
  };
  const progress = async (api: typeof parkedApi, id: string) =>
    (await api.call('GET', `/operator/bulk-invites/${id}`)).body as unknown as BulkView;
  const untilDone = (api: typeof parkedApi, id: string, timeoutMs = 150_000) =>
    waitFor(
      `bulk invite ${id} to finish`,
      async () => {
        const p = await progress(api, id);
        return p.status === 'done' ? p : null;
      },
      timeoutMs,
    );

  /** 1,000 rows; exactly these 10 are wrong, each in one way. */
  const BAD: Record<number, { line: (k: number) => string; field: string }> = {
    17: { line: (k) => `cand${k}example.com,F${k},L${k},${jobId},`, field: 'email' },
    101: { line: (k) => `cand${k}@example.com,,L${k},${jobId},`, field: 'first_name' },
    222: { line: (k) => `cand${k}@example.com,F${k}, ,${jobId},`, field: 'last_name' },
    333: { line: (k) => `cand${k}@example.com,F${k},L${k},job-7,`, field: 'job_id' },
    444: { line: (k) => `cand${k}@example.com,F${k},L${k},${jobId},${'t'.repeat(101)}`, field: 'test_id' },
    555: { line: (k) => `cand${k}@example.com,F${k},L${k},${jobId},,surplus`, field: 'row' },
    666: { line: () => `CAND5@example.com,Again,Five,${jobId},`, field: 'email' }, // duplicate of cand5
    777: { line: (k) => `cand${k}@example.com,"F"${k},L${k},${jobId},`, field: 'row' },
    888: { line: (k) => `cand${k}@example.com,${'F'.repeat(201)},L${k},${jobId},`, field: 'first_name' },
    999: { line: (k) => `cand${k}@example.com,F${k},L${k},,`, field: 'job_id' },
  };
  const goodLine = (k: number) => `cand${k}@example.com,"F${k}","L, ${k}",${jobId},`;
  const thousand = () =>
    [HEADER, ...Array.from({ length: 1000 }, (_, k) => (BAD[k] ? BAD[k].line(k) : goodLine(k)))].join(
      '\r\n',
    ) + '\r\n';

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    smtp = createTestSmtpServer();
    await smtp.start();
    sb = await startSandbox({
      orgs: [{ name: 'Acme', candidates: 3, plan: 'enterprise' }],
      rateLimit: { v3: { limit: 10_000 } },
    });
    parkedApi = await startTestApi({ db: database.db, temporal, taskQueue: bulkQueue, secrets });
    liveApi = await startTestApi({ db: database.db, temporal, taskQueue: liveQueue, secrets });
    parkedWorker = await startParkedWorker();
    liveWorker = await startTestWorker({ taskQueue: liveQueue, activities: activities() });

    const seeded = sb.orgs[0]!;
    orgId = seeded.org.id;
    jobId = sb.state.org(orgId)!.jobs.all()[0]!.id;
    const call = parkedApi.call;
    tenantId = String((await call('POST', '/operator/tenants', { slug: 'acme', name: 'Acme' })).body!.id);
    expect(
      (
        await call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
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
    expect((await call('PUT', `/operator/tenants/${tenantId}/tests/js-basics`, oneQuestionTest)).status).toBe(
      201,
    );
    expect(
      (
        await call('PUT', `/operator/tenants/${tenantId}/job-test-mappings`, {
          mappings: [{ jobId: String(jobId), testId: 'js-basics' }],
        })
      ).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await parkedWorker?.stop();
    await liveWorker?.stop();
    await parkedApi?.close();
    await liveApi?.close();
    await sb?.close();
    await smtp?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('refuses uploads while vendor_invite is off (409) and files it cannot read (422, 415)', async () => {
    const off = await upload(parkedApi, `${HEADER}\na@example.com,A,B,${jobId},\n`);
    expect(off.status).toBe(409);
    expect(
      (await parkedApi.call('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/activate`, {})).status,
    ).toBe(200);
    const unknown = await upload(parkedApi, 'email,first_name,last_name,job_id,phone\n');
    expect(unknown.status).toBe(422);
    expect((unknown.body as unknown as { error: { message: string } }).error.message).toMatch(
      /unknown column "phone"/,
    );
    const json = await parkedApi.call('POST', `/operator/tenants/${tenantId}/invites/bulk`, { rows: [] });
    expect(json.status).toBe(415);
    expect(await database.db.bulkInvite.count()).toBe(0);
    expect(await database.db.journey.count()).toBe(0);
  });

  let firstId: string;
  it('reports exactly the 10 bad rows of 1,000, invites the 990 once, through a worker restart', async () => {
    const csv = thousand();
    const first = await upload(parkedApi, csv);
    expect(first.status).toBe(201);
    firstId = first.body.id;
    expect(firstId).toMatch(/^bulk_[0-9a-f]{24}$/);
    expect(first.body).toMatchObject({ totalRows: 1000, validRows: 990, invalidRows: 10, status: 'running' });
    // Row numbers are lines of the file: the header is line 1, data row k is line k + 2.
    expect(first.body.errors.map((e) => [e.row, e.field])).toEqual(
      Object.entries(BAD).map(([k, bad]) => [Number(k) + 2, bad.field]),
    );
    expect(first.body.errors.find((e) => e.row === 668)!.message).toMatch(/duplicate of row 7/);

    // The worker dies mid-run; a new one finishes the work with exact counts.
    await waitFor(
      'some rows to be invited',
      async () => (await progress(parkedApi, firstId)).started >= 100,
      180_000, // two batches: slow on a loaded machine
    );
    await parkedWorker.stop();
    const midway = await progress(parkedApi, firstId);
    expect(midway.status).toBe('running');
    expect(midway.started).toBeLessThan(990);
    parkedWorker = await startParkedWorker();
    const done = await untilDone(parkedApi, firstId);
    expect(done).toMatchObject({ started: 990, alreadyInvited: 0, failed: 0, invalidRows: 10 });
    expect(done.errors).toHaveLength(10);
    expect(await database.db.journey.count({ where: { tenantId } })).toBe(990);
    expect(await database.db.journeyCandidate.count()).toBe(990);
    // Each journey's workflow was started once, on the journeys' task queue.
    await waitFor('Temporal to list the 990 journeys', async () => {
      const { count } = await temporal.workflow.count(`TaskQueue = '${parkedJourneys}'`);
      return count === 990;
    });
    const progressQuery = await temporal.workflow.getHandle(firstId).query<{ processed: number }>('progress');
    expect(progressQuery).toMatchObject({ status: 'done', processed: 990, started: 990 });
  }, 240_000);

  it('re-upload of the same file: same id, same report, nothing new', async () => {
    const again = await upload(parkedApi, thousand());
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: firstId, status: 'done', started: 990, invalidRows: 10 });
    expect(again.body.errors).toHaveLength(10);
    expect(await database.db.bulkInvite.count()).toBe(1);
    expect(await database.db.journey.count({ where: { tenantId } })).toBe(990);
  });

  it('a retried batch counts the same rows the same way and never moves the counters back', async () => {
    const { inviteBatch } = createBulkInviteActivities({
      db: database.db,
      catalogue: createCatalogueService({ db: database.db }),
      temporal,
      taskQueue: parkedJourneys,
    });
    const input = { bulkId: firstId, from: 0, to: 50, before: { started: 0, alreadyInvited: 0, failed: 0 } };
    // A retry (attempt 2) finds its journeys already there, created after the upload: they are its own.
    const retried = await new MockActivityEnvironment({ attempt: 2 }).run(inviteBatch, input);
    expect(retried).toEqual({ started: 50, alreadyInvited: 0, failed: 0 });
    // A first attempt (e.g. another upload) that finds them counts them as already invited.
    const fresh = await new MockActivityEnvironment({ attempt: 1 }).run(inviteBatch, input);
    expect(fresh).toEqual({ started: 0, alreadyInvited: 50, failed: 0 });
    // Late, superseded attempts do not lower the stored counts; nothing new was started.
    expect(await progress(parkedApi, firstId)).toMatchObject({ started: 990, alreadyInvited: 0, failed: 0 });
    expect(await database.db.journey.count({ where: { tenantId } })).toBe(990);
  });

  it('an overlapping file: the 100 rows already invited count as such, 10 new rows start', async () => {
    const invited = Array.from({ length: 1000 }, (_, k) => k).filter((k) => !BAD[k]);
    const overlap = invited.slice(200, 300).map((k) => goodLine(k).toUpperCase());
    const fresh = Array.from({ length: 10 }, (_, k) => goodLine(5000 + k));
    const second = await upload(parkedApi, [HEADER, ...overlap, ...fresh].join('\n'));
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(firstId);
    expect(second.body).toMatchObject({ totalRows: 110, validRows: 110, invalidRows: 0 });
    // Upper-cased names and e-mails are the same candidates: e-mail case does not matter.
    const done = await untilDone(parkedApi, second.body.id);
    expect(done).toMatchObject({ started: 10, alreadyInvited: 100, failed: 0, errors: [] });
    expect(await database.db.journey.count({ where: { tenantId } })).toBe(1000);
    await waitFor('Temporal to list 1,000 journeys', async () => {
      const { count } = await temporal.workflow.count(`TaskQueue = '${parkedJourneys}'`);
      return count === 1000;
    });
    // Audited with counts only.
    const audit = await database.db.auditEntry.findMany({ where: { action: 'invites.bulk', outcome: 'ok' } });
    expect(audit).toHaveLength(3);
    expect(JSON.stringify(audit)).not.toMatch(/example\.com/i);
  });

  it('runs the journeys: one invite e-mail per candidate, also on re-upload; refused rows fail', async () => {
    const org = sb.state.org(orgId)!;
    const now = Date.now();
    const emails = Array.from({ length: 5 }, (_, k) => `live${k}@example.com`);
    for (const [k, email] of emails.entries()) {
      const candidate = org.addCandidate({
        id: sb.state.ids.id(),
        firstName: `Live${k}`,
        lastName: 'Candidate',
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
      org.addApplication({
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
    }
    const lines = emails.map((e, k) => `${e},Live${k},Candidate,${jobId},`);
    const first = await upload(liveApi, [HEADER, ...lines].join('\n'));
    expect(first.status).toBe(201);
    expect(await untilDone(liveApi, first.body.id)).toMatchObject({ started: 5, failed: 0 });
    const journeys = await database.db.journeyCandidate.findMany({ where: { email: { in: emails } } });
    expect(journeys).toHaveLength(5);
    const inviteKeys = journeys.map((j) => `${j.journeyId}:invite:1`);
    for (const key of inviteKeys) await smtp.waitFor((m) => m.idempotencyKey === key, 30_000);

    // Re-upload with the same rows plus one whose test does not exist: nothing sent twice.
    const second = await upload(
      liveApi,
      [HEADER, ...lines, `late@example.com,Late,Comer,${jobId},no-such-test`].join('\n'),
    );
    expect(second.status).toBe(201);
    const done = await untilDone(liveApi, second.body.id);
    expect(done).toMatchObject({ started: 0, alreadyInvited: 5, failed: 1 });
    expect(done.errors).toEqual([
      { row: 7, field: 'test_id', message: 'no test no-such-test in this tenant' },
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    const sent = smtp.messages.filter((m) =>
      journeys.some((j) => m.idempotencyKey?.startsWith(`${j.journeyId}:`)),
    );
    expect(sent.map((m) => m.idempotencyKey).sort()).toEqual(inviteKeys.sort());
    for (const j of journeys) await temporal.workflow.getHandle(j.journeyId).terminate('test over');
  });
});
