import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../temporal/free-port.js';
import { spawnEntry, waitFor, type SpawnedProcess } from '../../harness/processes.js';

// The README's start command with nothing configured: embedded database, its own Temporal dev server
// with the Web UI, worker and API; a probe journey completes through the API; Ctrl-C stops it all.
describe('npm start with nothing configured', () => {
  let dataDir: string;
  let proc: SpawnedProcess;
  let apiPort: number;
  let uiPort: number;
  let sandboxPort: number;
  let temporalPort: number;
  let demoVendorPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'greenroom-start-'));
    apiPort = await freePort();
    uiPort = await freePort();
    sandboxPort = await freePort();
    temporalPort = await freePort();
    demoVendorPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      WORKER_HEALTH_PORT: String(await freePort()),
      EMBEDDED_DB_PORT: String(await freePort()),
      GREENHOUSE_SANDBOX_PORT: String(sandboxPort),
      DEMO_VENDOR_PORT: String(demoVendorPort),
    };
    // Nothing configured: drop anything the CI environment might carry.
    for (const name of [
      'DATABASE_URL',
      'TEMPORAL_ADDRESS',
      'OPERATOR_API_KEY',
      'PUBLIC_BASE_URL',
      'TEMPORAL_UI_ORIGINS',
      'CODEC_LOOPBACK_WITHOUT_KEY',
      'VENDOR_ENDPOINT_ALLOW_HOSTS',
    ])
      env[name] = '';
    proc = spawnEntry('scripts/start.ts', env);
    await waitFor(
      'greenroom: ready',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`npm start exited early:\n${proc.output()}`);
        // The summary ends with the probe example; wait for it so no line of it is still in the pipe.
        return proc.output().includes('greenroom: ready') && proc.output().includes('/operator/probes');
      },
      120_000,
    );
  }, 150_000);

  afterAll(async () => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * Sends a test with the summary's curl command that follows `what` ('send a test', 'send its
   * test'), pasted as it stands: answers the test created and the URL the command posted to.
   */
  async function sendFromSummary<Test>(what: string): Promise<{ test: Test; url: string }> {
    const pattern = String.raw`${what}\s+curl .*? -d '(\{[^']+\})' \\\n.*?(http:\/\/\S+send_test)`;
    const command = new RegExp(pattern, 's').exec(proc.output());
    expect(command, proc.output()).not.toBeNull();
    const sent = await fetch(command![2]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: command![1]!,
    });
    expect(sent.status).toBe(200);
    const { test } = (await sent.json()) as { test: Test };
    return { test, url: command![2]! };
  }

  it('prints where the API and the Temporal UI are, and both answer', async () => {
    expect(proc.output()).toContain(`API            http://localhost:${apiPort}`);
    expect(proc.output()).toContain(`Temporal UI    http://127.0.0.1:${uiPort}`);
    expect(proc.output()).toMatch(/database: embedded PGlite/);
    expect((await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status).toBe(200);
    const ready = await waitFor('readyz', async () => {
      const res = await fetch(`http://127.0.0.1:${apiPort}/readyz`);
      return res.ok && res;
    });
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    expect(proc.output()).toContain(`Greenhouse     sandbox http://127.0.0.1:${sandboxPort}`);
    const orgs = await (await fetch(`http://127.0.0.1:${sandboxPort}/_sandbox/orgs`)).json();
    expect(orgs).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Demo Organisation' })]));
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
  });

  it('runs the probe journey to completion through the API', { timeout: 120_000 }, async () => {
    const key = (await readFile(path.join(dataDir, 'operator-api-key'), 'utf8')).trim();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${apiPort}/operator`;
    const started = await fetch(`${base}/probes`, {
      method: 'POST',
      headers,
      body: '{"deadlineSeconds":600}',
    });
    expect(started.status).toBe(202);
    const { journeyId } = (await started.json()) as { journeyId: string };
    const done = await fetch(`${base}/probes/${journeyId}/complete`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ completedBy: 'npm-start-test' }),
    });
    expect(await done.json(), proc.output()).toMatchObject({ status: 'complete' });
    const row = await (await fetch(`${base}/journeys/${journeyId}`, { headers })).json();
    expect(row).toMatchObject({ status: 'complete', kind: 'probe' });
  });

  it('wires the Temporal UI to the codec: it decodes a journey payload on loopback without a key', async () => {
    // What the UI's browser code reads: its codec endpoint, and no token of its own to pass on.
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as {
      Codec: { Endpoint: string; PassAccessToken: boolean };
    };
    expect(settings.Codec).toMatchObject({
      Endpoint: `http://127.0.0.1:${apiPort}/codec`,
      PassAccessToken: false,
    });
    expect(proc.output()).toContain(`(decodes payloads through http://127.0.0.1:${apiPort}/codec)`);

    // A journey's start input, straight from Temporal: encrypted.
    const key = (await readFile(path.join(dataDir, 'operator-api-key'), 'utf8')).trim();
    const started = await fetch(`http://127.0.0.1:${apiPort}/operator/probes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"deadlineSeconds":600}',
    });
    const { journeyId } = (await started.json()) as { journeyId: string };
    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const history = await new Client({ connection }).workflow
      .getHandle(journeyId)
      .fetchHistory()
      .finally(() => connection.close());
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');

    // As the UI's page calls it from the browser: preflight, then the POST without Authorization.
    const ui = `http://127.0.0.1:${uiPort}`;
    const preflight = await fetch(`${settings.Codec.Endpoint}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: ui,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    const decode = (origin: string) =>
      fetch(`${settings.Codec.Endpoint}/decode`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', 'x-namespace': 'default' },
        body: JSON.stringify({
          payloads: [
            {
              metadata: Object.fromEntries(
                Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
              ),
              data: Buffer.from(input.data!).toString('base64'),
            },
          ],
        }),
      });
    const res = await decode(ui);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ui);
    const [decoded] = ((await res.json()) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString('utf8'))).toMatchObject({
      journeyId,
      tenantId: 'system',
    });
    // Another web site open in the same browser gets nothing (the switch-off case: test/api/codec.test.ts).
    expect((await decode('https://evil.example')).status).toBe(401);
  });

  it('runs the demo: a recruiter sends the demo test from the sandbox and the invite is in the outbox', async () => {
    const key = (await readFile(path.join(dataDir, 'operator-api-key'), 'utf8')).trim();
    const { test } = await sendFromSummary<{ partnerInterviewId: string }>('send a test');
    const journeyId = test.partnerInterviewId;
    const headers = { authorization: `Bearer ${key}` };
    await waitFor('the demo journey to invite the candidate', async () => {
      const res = await fetch(
        `http://127.0.0.1:${apiPort}/operator/journeys/${encodeURIComponent(journeyId)}`,
        { headers },
      );
      return res.ok && ((await res.json()) as { status: string }).status === 'sent';
    });
    const outbox = await fetch(`http://127.0.0.1:${apiPort}/outbox`, {
      headers: { authorization: `Basic ${Buffer.from(`operator:${key}`).toString('base64')}` },
    });
    expect(outbox.status).toBe(200);
    expect(await outbox.text()).toContain(`${journeyId}:invite:1`);
  });

  it(
    'runs the vendor loop: the demo vendor hears order.created, its page takes the test, the result lands in Greenhouse once',
    { timeout: 240_000 },
    async () => {
      const key = (await readFile(path.join(dataDir, 'operator-api-key'), 'utf8')).trim();
      const vendorUrl = `http://127.0.0.1:${demoVendorPort}`;
      expect(proc.output()).toContain(`demo vendor    ${vendorUrl}`);
      // The summary's command for the vendor package's test, as a newcomer would paste it.
      const { test, url } = await sendFromSummary<{ id: number; partnerInterviewId: string }>(
        'send its test',
      );
      const orderId = test.partnerInterviewId;
      expect(orderId).toMatch(/^vendor_hosted:/);

      type Order = { id: string; status: string; events: string[] };
      const orderAtVendor = async () =>
        ((await (await fetch(`${vendorUrl}/orders`)).json()) as Order[]).find((o) => o.id === orderId);
      await waitFor('order.created at the demo vendor', async () =>
        (await orderAtVendor())?.events.includes('order.created'),
      );

      // The candidate's launch link from the outbox → greenroom's redirect → the demo vendor's test.
      const outbox = () =>
        fetch(`http://127.0.0.1:${apiPort}/outbox`, {
          headers: { authorization: `Bearer ${key}` },
        }).then((r) => r.text());
      const token = await waitFor(
        'the launch link in the outbox',
        async () => /\/v\/(grv_[A-Za-z0-9_-]+)/.exec(await outbox())?.[1],
      );
      const launch = await fetch(`http://127.0.0.1:${apiPort}/v/${token}`, { redirect: 'manual' });
      expect(launch.status).toBe(302);
      const location = launch.headers.get('location')!;
      expect(location.startsWith(`${vendorUrl}/launch?assertion=`)).toBe(true);
      const page = await (await fetch(location)).text();
      expect(page).toContain('Logic test (demo vendor)');
      const session = /name="session" value="([^"]+)"/.exec(page)![1]!;
      const done = await fetch(`${vendorUrl}/launch/answers`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ session, q1: '32', q2: 'Yes', q3: 'Carrot', q4: '7.5°' }),
      });
      expect(await done.text()).toContain('score 100 / 100');

      const sandbox = `http://127.0.0.1:${sandboxPort}/_sandbox`;
      const orgId = /\/_sandbox\/orgs\/(\d+)\/applications/.exec(url)![1]!;
      await waitFor(
        'Greenhouse to read complete',
        async () => {
          const tests = (await (await fetch(`${sandbox}/orgs/${orgId}/tests`)).json()) as {
            id: number;
            partnerStatus: string | null;
          }[];
          return tests.find((t) => t.id === test.id)?.partnerStatus === 'complete';
        },
        120_000,
      );
      await waitFor('writeback.completed at the demo vendor', async () =>
        (await orderAtVendor())?.events.includes('writeback.completed'),
      );
      const patches = (await (await fetch(`${sandbox}/partner/patches`)).json()) as { testId: number }[];
      expect(patches.filter((p) => p.testId === test.id)).toHaveLength(1);
      expect((await orderAtVendor())!.events).toEqual([
        'order.created',
        'result.accepted',
        'writeback.completed',
      ]);
    },
  );

  it('stops everything on SIGINT', async () => {
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${uiPort}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${sandboxPort}/_sandbox/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${demoVendorPort}/orders`)).rejects.toThrow();
  });
});
