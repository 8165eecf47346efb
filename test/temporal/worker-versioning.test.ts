import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { testActivities } from '../helpers/activities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';
import { waitFor } from '../../harness/processes.js';
import { completeProbeUpdate, probeStateQuery } from '../../workflows/probe/messages.js';
import type { probeJourney } from '../../workflows/probe/probe-journey.js';

// Worker deployment versioning on the dev server (Temporal CLI 1.5.1, server 1.29): the deploy
// procedure of the README ("Deploying new workflow code") step by step with two builds of the worker.
describe('worker deployment versioning (WORKER_DEPLOYMENT_NAME, WORKER_BUILD_ID)', () => {
  let database: TestDatabase;
  let client: Client;
  const workers: RunningTestWorker[] = [];
  const deploymentName = `greenroom-test-${randomBytes(4).toString('hex')}`;
  const taskQueue = uniqueTaskQueue('versioning');

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
    client = await connectTestClient();
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await client?.connection.close();
    await database?.drop();
  });

  const startBuild = async (buildId: string) => {
    const worker = await startTestWorker({
      activities: testActivities(database.db),
      taskQueue,
      version: { deploymentName, buildId },
      identity: `worker-${buildId}`,
    });
    workers.push(worker);
    return worker;
  };

  /** `temporal worker deployment set-current-version`, once the build's pollers have registered it. */
  const setCurrent = (buildId: string) =>
    waitFor(`${buildId} to become current`, async () => {
      try {
        await client.workflowService.setWorkerDeploymentCurrentVersion({
          namespace: 'default',
          deploymentName,
          buildId,
          identity: 'versioning-test',
        });
        return true;
      } catch {
        return false; // the version exists only once its worker has polled
      }
    });

  const start = (id: string) =>
    client.workflow.start<typeof probeJourney>('probeJourney', {
      workflowId: id,
      taskQueue,
      args: [{ journeyId: id, tenantId: 'system', deadlineSeconds: 600 }],
    });

  /** The identities of the workers that completed the journey's workflow tasks, in order. */
  const taskWorkers = async (handle: WorkflowHandle) => {
    const history = await handle.fetchHistory();
    return history.events!.flatMap((e) =>
      e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.identity] : [],
    );
  };
  const versionOf = async (handle: WorkflowHandle) => {
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    return { behavior: info?.behavior, buildId: info?.deploymentVersion?.buildId };
  };

  it('runs journeys on the current build only; after set-current they continue on the new one', async () => {
    await startBuild('build-a');
    await setCurrent('build-a');
    const first = await start(`probe:system:versioned-1-${taskQueue}`);
    await waitFor(
      'the first journey to wait',
      async () => (await first.query(probeStateQuery)).status === 'in_progress',
    );
    expect(await versionOf(first)).toEqual({ behavior: 2 /* AUTO_UPGRADE */, buildId: 'build-a' });

    // Build B deployed next to A but not current yet: it gets no task, new journeys still go to A.
    await startBuild('build-b');
    const second = await start(`probe:system:versioned-2-${taskQueue}`);
    await waitFor(
      'the second journey to wait',
      async () => (await second.query(probeStateQuery)).status === 'in_progress',
    );
    expect(await taskWorkers(second)).toEqual(['worker-build-a']);
    expect((await versionOf(second)).buildId).toBe('build-a');

    // Make B current (after the replay test passed for B's code): running journeys move to B at
    // their next workflow task (AUTO_UPGRADE), new ones start there.
    await setCurrent('build-b');
    expect(await first.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'ops' }] })).toMatchObject({
      status: 'complete',
    });
    expect(await first.result()).toMatchObject({ status: 'complete', completedBy: 'ops' });
    const firstWorkers = await taskWorkers(first);
    expect(firstWorkers[0]).toBe('worker-build-a');
    expect(firstWorkers.at(-1)).toBe('worker-build-b');
    expect((await versionOf(first)).buildId).toBe('build-b');

    // Drain A: once it is stopped, B alone finishes the rest.
    await workers[0]!.stop();
    await second.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'ops' }] });
    expect(await second.result()).toMatchObject({ status: 'complete' });
    const third = await start(`probe:system:versioned-3-${taskQueue}`);
    await third.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'ops' }] });
    expect(await taskWorkers(third)).not.toContain('worker-build-a');
  });
});
