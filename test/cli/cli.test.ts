import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { oneQuestionTest } from '../helpers/assessment-stack.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { spawnEntry } from '../../harness/processes.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';

// The `greenroom` CLI as operators run it: a child process against the real API, worker and
// Temporal. Journeys are started on a task queue nobody polls (the bulk invite is what is tested).
describe('greenroom CLI', () => {
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let worker: RunningTestWorker;
  let tenantId: string;
  let jobId: number;
  let dir: string;
  const taskQueue = uniqueTaskQueue('cli');

  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const run = spawnEntry(
      'cli/greenroom.ts',
      { GREENROOM_URL: api.url, GREENROOM_OPERATOR_KEY: TEST_OPERATOR_KEY, GREENROOM_POLL_MS: '100', ...env },
      args,
    );
    const code = await run.exited;
    return { code, output: run.output() };
  };
  const csvFile = async (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    await writeFile(file, ['email,first_name,last_name,job_id', ...lines].join('\n'));
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'greenroom-cli-'));
    database = await createTestDatabase();
    temporal = await connectTestClient();
    sb = await startSandbox({ orgs: [{ name: 'Acme', candidates: 2, plan: 'enterprise' }] });
    const secrets = testSecretBox();
    api = await startTestApi({ db: database.db, temporal, taskQueue, secrets });
    worker = await startTestWorker({
      taskQueue,
      activities: testActivities(database.db, { secrets, taskQueue: uniqueTaskQueue('cli-parked') }),
    });
    const seeded = sb.orgs[0]!;
    jobId = sb.state.org(seeded.org.id)!.jobs.all()[0]!.id;
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
    expect(
      (await api.call('PUT', `/operator/tenants/${tenantId}/tests/js-basics`, oneQuestionTest)).status,
    ).toBe(201);
    expect(
      (
        await api.call('PUT', `/operator/tenants/${tenantId}/job-test-mappings`, {
          mappings: [{ jobId: String(jobId), testId: 'js-basics' }],
        })
      ).status,
    ).toBe(200);
    expect(
      (await api.call('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/activate`, {})).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await sb?.close();
    await temporal?.connection.close();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('invite bulk: uploads, shows progress, finishes, exit 0', async () => {
    const file = await csvFile(
      'good.csv',
      Array.from({ length: 300 }, (_, k) => `good${k}@example.com,G${k},Ood,${jobId}`),
    );
    const { code, output } = await cli(['invite', 'bulk', file, '--tenant', tenantId]);
    expect(output).toMatch(/Uploaded bulk_[0-9a-f]{24}: 300 rows, 300 valid, 0 refused/);
    // Not a terminal: one progress line per 10 %, ending at 100 %.
    expect(output).toMatch(/inviting \[#{30}\] 100% 300\/300/);
    expect(output.match(/^inviting \[/gm)!.length).toBeGreaterThanOrEqual(1);
    expect(output).toMatch(/Done: 300 started, 0 already invited, 0 failed, 0 refused \(of 300 rows\)/);
    expect(code).toBe(0);
    expect(await database.db.journey.count()).toBe(300);
  });

  it('invite bulk: refused rows are listed and the exit code is 2; a re-upload changes nothing', async () => {
    const file = await csvFile('mixed.csv', [
      `mixed1@example.com,M,One,${jobId}`,
      `not-an-email,M,Two,${jobId}`,
      `mixed3@example.com,,Three,${jobId}`,
      `good0@example.com,G0,Ood,${jobId}`, // invited by the first upload
    ]);
    const first = await cli(['invite', 'bulk', file, '--tenant', tenantId]);
    expect(first.code).toBe(2);
    expect(first.output).toMatch(/4 rows, 2 valid, 2 refused/);
    expect(first.output).toMatch(/^3\s+email\s+/m);
    expect(first.output).toMatch(/^4\s+first_name\s+is empty/m);
    expect(first.output).toMatch(/Done: 1 started, 1 already invited, 0 failed, 2 refused/);
    const again = await cli(['invite', 'bulk', file, '--tenant', tenantId, '--json']);
    expect(again.code).toBe(2);
    expect(again.output).toMatch(/"started": 1/);
    expect(await database.db.journey.count()).toBe(301);
  });

  it('usage and HTTP errors exit 1', async () => {
    const noFile = await cli(['invite', 'bulk', '--tenant', tenantId]);
    expect(noFile.code).toBe(1);
    expect(noFile.output).toMatch(/needs the CSV file/);
    expect((await cli(['invite', 'bulk', 'x.csv'])).output).toMatch(/needs --tenant/);
    expect((await cli(['invite', 'bulk', '--bogus'])).code).toBe(1);
    expect((await cli(['frobnicate'])).code).toBe(1);
    expect((await cli(['cancel', 'j1'])).output).toMatch(/needs --reason/);
    const badKey = await cli(['invite', 'status', 'bulk_x'], { GREENROOM_OPERATOR_KEY: 'wrong' });
    expect(badKey.code).toBe(1);
    expect(badKey.output).toMatch(/401/);
    const help = await cli(['invite', 'bulk', '--help']);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/Exit: 0 every row invited/);
  });
});
