import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../../harness/processes.js';
import { completeProbeUpdate, probeStateQuery } from '../../workflows/probe/messages.js';
import type { probeJourney } from '../../workflows/probe/probe-journey.js';
import { testActivities } from '../helpers/activities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';

// Whoever can reach Temporal but holds no payload key (a client without our codec) cannot forge a
// journey's start or answer: the worker's codec refuses plain payloads (PAYLOAD_CODEC_ALLOW_PLAINTEXT
// off, the default). With the switch on, a history written before encryption still runs.
describe('the worker refuses unencrypted payloads (PAYLOAD_CODEC_ALLOW_PLAINTEXT)', () => {
  let database: TestDatabase;
  let client: Client;
  /** A client that reaches Temporal but has no codec: its payloads are plain JSON. */
  let forger: Client;
  const workers: RunningTestWorker[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
    client = await connectTestClient();
    forger = new Client({ connection: client.connection });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await client?.connection.close();
    await database?.drop();
  });

  const worker = async (taskQueue: string, allowPlaintext = false) => {
    const w = await startTestWorker({ activities: testActivities(database.db), taskQueue, allowPlaintext });
    workers.push(w);
    return w;
  };
  const startProbe = (by: Client, taskQueue: string, journeyId: string) =>
    by.workflow.start<typeof probeJourney>('probeJourney', {
      workflowId: journeyId,
      taskQueue,
      args: [{ journeyId, tenantId: 'system', deadlineSeconds: 600 }],
    });
  /**
   * The failure messages of the journey's failed workflow tasks, as the server recorded them and our
   * codec decodes them (failure messages are encoded, so encrypted: temporal/failure-converter.cjs).
   */
  const taskFailures = async (handle: WorkflowHandle) => {
    const failures = (await handle.fetchHistory()).events!.flatMap((e) =>
      e.workflowTaskFailedEventAttributes?.failure ? [e.workflowTaskFailedEventAttributes.failure] : [],
    );
    // Never readable without the codec.
    for (const failure of failures) expect(failure.message).toBe('Encoded failure');
    const decoded = await Promise.all(
      failures.map((f) => decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, f)),
    );
    return decoded.map((err) => err?.message ?? '');
  };
  const row = (journeyId: string) => database.db.journey.findUnique({ where: { id: journeyId } });

  it('a forged start fails its workflow task and has no effect', async () => {
    const w = await worker(uniqueTaskQueue('strict'));
    const journeyId = `probe:system:forged-start-${w.taskQueue}`;
    const handle = await startProbe(forger, w.taskQueue, journeyId);
    const failures = await waitFor('the forged start to be refused', async () => {
      const f = await taskFailures(handle);
      return f.length > 0 && f;
    });
    expect(failures[0]).toMatch(/refused an unencrypted payload \(encoding json\/plain\)/);
    // Still stuck at its first task a moment later: no read-model row, no activity ran.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await row(journeyId)).toBeNull();
    const events = (await handle.fetchHistory()).events!;
    expect(events.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('forged start (test)');
  });

  it('a forged update is rejected and the journey goes on with real ones', async () => {
    const w = await worker(uniqueTaskQueue('strict'));
    const journeyId = `probe:system:forged-update-${w.taskQueue}`;
    const handle = await startProbe(client, w.taskQueue, journeyId);
    await waitFor('the journey to wait', async () => (await row(journeyId))?.status === 'in_progress');

    const forged = forger.workflow.getHandle(journeyId);
    const outcome = await forged
      .executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'forger' }] })
      .then(
        (v) => ({ accepted: v }),
        (err: unknown) => ({ refused: err as Error }),
      );
    expect(outcome).toHaveProperty('refused');
    // The server gives up on the update when its workflow task fails ("Workflow Update failed").
    expect((outcome as { refused: Error }).refused.message).toMatch(/Update failed/);
    // The refused task fails; the server retries it without the update, and the journey answers again.
    await waitFor('the journey to answer queries again', () =>
      handle.query(probeStateQuery).then(
        () => true,
        () => false,
      ),
    );
    // No effect: not completed, nothing in the read model, no update accepted in the history.
    expect(await handle.query(probeStateQuery)).toMatchObject({ status: 'in_progress', completedBy: null });
    expect((await row(journeyId))?.status).toBe('in_progress');
    const events = (await handle.fetchHistory()).events!;
    expect(events.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    expect(await taskFailures(handle)).toEqual(
      expect.arrayContaining([expect.stringMatching(/refused an unencrypted payload/)]),
    );

    const state = await handle.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'operator' }] });
    expect(state).toMatchObject({ status: 'complete', completedBy: 'operator' });
    expect((await row(journeyId))?.status).toBe('complete');
  });

  it('a forged signal stops the journey without effect until an operator resets past it', async () => {
    const w = await worker(uniqueTaskQueue('strict'));
    const journeyId = `probe:system:forged-signal-${w.taskQueue}`;
    const handle = await startProbe(client, w.taskQueue, journeyId);
    await waitFor('the journey to wait', async () => (await row(journeyId))?.status === 'in_progress');
    const before = (await handle.fetchHistory()).events!;
    const lastCompleted = before.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1)!.eventId!;

    // Unlike an update, a signal is written to the history first: every later task meets it.
    await forger.workflow.getHandle(journeyId).signal('greenhouseStop', { event: 'forged' });
    await waitFor('the forged signal to be refused', async () => (await taskFailures(handle)).length > 0);
    expect((await taskFailures(handle))[0]).toMatch(/refused an unencrypted payload/);
    expect((await row(journeyId))?.status).toBe('in_progress');

    // The remedy: reset to the task before the signal, without re-applying signals.
    await client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: journeyId },
      reason: 'forged signal',
      workflowTaskFinishEventId: lastCompleted,
      requestId: randomUUID(),
      resetReapplyExcludeTypes: [
        temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
      ],
    });
    const current = client.workflow.getHandle(journeyId);
    const state = await current.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'operator' }] });
    expect(state).toMatchObject({ status: 'complete', completedBy: 'operator' });
    expect((await row(journeyId))?.status).toBe('complete');
  });

  it('with the switch on, a history written before encryption runs on', async () => {
    const taskQueue = uniqueTaskQueue('migration');
    const journeyId = `probe:system:plain-history-${taskQueue}`;
    // Written as before encryption: a plain start; a strict worker will not take it further.
    const handle = await startProbe(forger, taskQueue, journeyId);
    const strict = await worker(taskQueue);
    await waitFor('the strict worker to refuse it', async () => (await taskFailures(handle)).length > 0);
    await strict.stop();

    await worker(taskQueue, true);
    await waitFor('the journey to run', async () => (await row(journeyId))?.status === 'in_progress');
    // Answered by a client with the codec now: the history mixes plain and encrypted payloads.
    const current = client.workflow.getHandle(journeyId);
    const state = await current.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'operator' }] });
    expect(state).toMatchObject({ status: 'complete', completedBy: 'operator' });
    expect(await current.result()).toMatchObject({ status: 'complete' });
    expect(handle.workflowId).toBe(journeyId);
  });
});
