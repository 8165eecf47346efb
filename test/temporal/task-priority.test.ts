import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { installTestRuntime, uniqueTaskQueue } from '../helpers/temporal.js';
import type { scheduleMarks } from '../fixtures/priority-workflow.js';

// Task priority on the dev server with greenroom's dynamic config (temporal/dynamic-config.ts,
// matching.useNewMatcher): a task at priority 1 scheduled after a backlog of 200 default-priority
// tasks is handed out among the first ones, where the same task at the default priority comes
// near the end. This is what lets a submission's steps and the completion PATCH overtake older
// journeys' write-back steps (workflows/shared/activity-options.ts, urgent).
const BACKLOG = 200;
// The queue has 4 partitions, each ordered by priority; a poller may drain a few tasks of other
// partitions before it meets the urgent one.
const FIRST = 32;

describe('task priority (matching.useNewMatcher)', () => {
  let client: Client;
  let connection: NativeConnection;
  let workflowBundle: { code: string };
  const workflowQueue = uniqueTaskQueue('priority-wf');

  beforeAll(async () => {
    installTestRuntime();
    const address = inject('temporalAddress');
    client = new Client({ connection: await Connection.connect({ address }) });
    connection = await NativeConnection.connect({ address });
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/priority-workflow.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
  }, 60_000);
  afterAll(async () => {
    await client?.connection.close();
    await connection?.close();
  });

  /** Where the last-scheduled task, at `priorityKey`, is handed out among BACKLOG + 1. */
  async function positionOfLateTask(priorityKey: number | undefined): Promise<number> {
    const activityQueue = uniqueTaskQueue('priority-act');
    // Workflows only: nobody polls activityQueue yet, so every task waits in its backlog.
    const scheduler = await Worker.create({ connection, taskQueue: workflowQueue, workflowBundle });
    const scheduled = (handle: WorkflowHandle, n: number) =>
      waitFor(`${n} activities scheduled`, async () => {
        return ((await handle.describe()).raw.pendingActivities?.length ?? 0) === n;
      });
    const order: string[] = [];
    let backlog: WorkflowHandle<typeof scheduleMarks> | undefined;
    let late: WorkflowHandle<typeof scheduleMarks> | undefined;
    await scheduler.runUntil(async () => {
      backlog = await client.workflow.start<typeof scheduleMarks>('scheduleMarks', {
        taskQueue: workflowQueue,
        workflowId: `${activityQueue}-backlog`,
        args: [{ activityQueue, labels: Array.from({ length: BACKLOG }, (_, i) => `old-${i}`) }],
      });
      await scheduled(backlog, BACKLOG);
      late = await client.workflow.start<typeof scheduleMarks>('scheduleMarks', {
        taskQueue: workflowQueue,
        workflowId: `${activityQueue}-late`,
        args: [{ activityQueue, labels: ['late'], ...(priorityKey ? { priorityKey } : {}) }],
      });
      await scheduled(late, 1);
    });
    // One slot: the worker takes tasks one at a time, in the order the server hands them out.
    const runner = await Worker.create({
      connection,
      taskQueue: activityQueue,
      maxConcurrentActivityTaskExecutions: 1,
      activities: {
        async mark(label: string) {
          order.push(label);
        },
      },
    });
    await runner.runUntil(waitFor('every task handed out', async () => order.length === BACKLOG + 1));
    const drain = await Worker.create({ connection, taskQueue: workflowQueue, workflowBundle });
    await drain.runUntil(Promise.all([backlog!.result(), late!.result()]));
    return order.indexOf('late');
  }

  it(`hands a priority-1 task out within the first ${FIRST} of a backlog of ${BACKLOG}`, async () => {
    expect(await positionOfLateTask(1)).toBeLessThan(FIRST);
  }, 120_000);

  it('hands the same task at the default priority out after the backlog scheduled before it', async () => {
    expect(await positionOfLateTask(undefined)).toBeGreaterThanOrEqual(FIRST);
  }, 120_000);
});
