import net from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { generateEncryptionKeySpec } from '../../security/secret-box.js';
import { freePort } from '../../temporal/free-port.js';
import { completeProbeUpdate } from '../../workflows/probe/messages.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { spawnEntry, waitFor, type SpawnedProcess } from '../../harness/processes.js';
import { connectTestClient, TEST_PAYLOAD_KEYS_SPEC, uniqueTaskQueue } from '../helpers/temporal.js';

// The production worker entry (workers/main.ts, prebuilt bundle) killed with SIGKILL mid-journey:
// a new worker process picks the journey up and completes it, with one read-model row.
describe('worker killed during a journey', () => {
  let database: TestDatabase;
  let client: Client;
  const taskQueue = uniqueTaskQueue('crash');
  const workers: SpawnedProcess[] = [];

  const startWorker = async () => {
    const healthPort = await freePort();
    const proc = spawnEntry('workers/main.ts', {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      WORKER_HEALTH_PORT: String(healthPort),
      SECRETS_ENCRYPTION_KEYS: generateEncryptionKeySpec('crash1'),
      PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_SPEC,
    });
    workers.push(proc);
    return Object.assign(proc, { readyUrl: `http://127.0.0.1:${healthPort}/readyz` });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
    client = await connectTestClient();
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await client?.connection.close();
    await database?.drop();
  });

  it('completes the journey after a restart', async () => {
    const first = await startWorker();
    const journeyId = 'probe:system:crash-1';
    const handle = await client.workflow.start('probeJourney', {
      workflowId: journeyId,
      taskQueue,
      args: [{ journeyId, tenantId: 'system', deadlineSeconds: 600 }],
    });
    await waitFor(
      'the journey in the read model',
      async () =>
        (await database.db.journey.findUnique({ where: { id: journeyId } }))?.status === 'in_progress',
    );

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    await startWorker();
    const state = await handle.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'after-crash' }] });
    expect(state).toMatchObject({ status: 'complete', completedBy: 'after-crash' });
    expect(await handle.result()).toMatchObject({ status: 'complete' });
    const rows = await database.db.journey.findMany({ where: { id: journeyId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'complete', stateVersion: 2 });
  });

  it('drains on SIGTERM and exits 0', async () => {
    const proc = await startWorker();
    await waitFor('worker ready', async () => (await fetch(proc.readyUrl)).ok, 30_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('exits cleanly on a SIGTERM that arrives while it is still connecting', async () => {
    // A Temporal address that accepts TCP and never answers: the worker hangs in connect.
    let connected = false;
    const blackHole = net.createServer(() => (connected = true)).listen(0, '127.0.0.1');
    await once(blackHole, 'listening');
    const port = (blackHole.address() as net.AddressInfo).port;
    const proc = spawnEntry('workers/main.ts', {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      WORKER_HEALTH_PORT: String(await freePort()),
      SECRETS_ENCRYPTION_KEYS: generateEncryptionKeySpec('crash1'),
      PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS_SPEC,
    });
    workers.push(proc);
    await waitFor('the worker to dial Temporal', async () => connected, 30_000);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    blackHole.close();
  });
});
