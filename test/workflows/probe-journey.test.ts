import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { testActivities } from '../helpers/activities.js';
import { JourneyStatusKey, TenantIdKey } from '../../domain/search-attributes.js';
import { completeProbeUpdate, probeStateQuery } from '../../workflows/probe/messages.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, startTestWorker, type RunningTestWorker } from '../helpers/temporal.js';

// The harness's first real journey: real dev server, real PostgreSQL, real worker.
describe('probe journey', () => {
  let database: TestDatabase;
  let client: Client;
  let worker: RunningTestWorker;

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
    client = await connectTestClient();
    worker = await startTestWorker({ activities: testActivities(database.db) });
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await database?.drop();
  });

  const start = (journeyId: string, deadlineSeconds: number) =>
    client.workflow.start('probeJourney', {
      workflowId: journeyId,
      taskQueue: worker.taskQueue,
      args: [{ journeyId, tenantId: 'system', deadlineSeconds }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });

  const waitForRow = async (journeyId: string, status: string) => {
    for (let i = 0; i < 100; i++) {
      const row = await database.db.journey.findUnique({ where: { id: journeyId } });
      if (row?.status === status) return row;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`journey ${journeyId} never reached ${status}`);
  };

  it('records itself, completes on the update and writes the read model', async () => {
    const handle = await start('probe:system:complete-1', 600);
    const waiting = await waitForRow('probe:system:complete-1', 'in_progress');
    expect(waiting.statusDetail).toBe('the complete update or the deadline');
    expect(await handle.query(probeStateQuery)).toMatchObject({ status: 'in_progress', completedBy: null });

    const state = await handle.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'ops@vendor' }] });
    expect(state).toMatchObject({ status: 'complete', completedBy: 'ops@vendor' });
    // The update answers only after the read model has the outcome.
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: 'probe:system:complete-1' } });
    expect(row).toMatchObject({ status: 'complete', stateVersion: 2, tenantId: 'system', kind: 'probe' });
    expect(row.completedAt).toBeInstanceOf(Date);
    expect(await handle.result()).toMatchObject({ status: 'complete' });

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(TenantIdKey)).toBe('system');
    expect(description.typedSearchAttributes.get(JourneyStatusKey)).toBe('complete');
  });

  it('expires at its deadline', async () => {
    const handle = await start('probe:system:expire-1', 1);
    expect(await handle.result()).toMatchObject({ status: 'expired', completedBy: null });
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: 'probe:system:expire-1' } });
    expect(row.status).toBe('expired');
    expect(row.statusDetail).toMatch(/deadline passed/);
  });

  it('returns the running journey for a second start with the same id', async () => {
    const first = await start('probe:system:twice', 600);
    const second = await start('probe:system:twice', 600);
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'a' }] });
    // A third start after completion starts nothing new either: the id stays one journey.
    await expect(first.result()).resolves.toMatchObject({ completedBy: 'a' });
    const rows = await database.db.journey.count({ where: { id: 'probe:system:twice' } });
    expect(rows).toBe(1);
  });

  it('rejects an invalid update without changing the journey', async () => {
    const handle = await start('probe:system:invalid', 600);
    await waitForRow('probe:system:invalid', 'in_progress');
    const err = await handle
      .executeUpdate(completeProbeUpdate, { args: [{ completedBy: '  ' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String(err.cause?.message)).toMatch(/completedBy must be a non-empty string/);
    expect(await handle.query(probeStateQuery)).toMatchObject({ status: 'in_progress', completedBy: null });
    await handle.terminate('test done');
  });

  it('ignores a snapshot older than the one already recorded', async () => {
    const { recordJourneySnapshot } = testActivities(database.db);
    const base = { journeyId: 'probe:system:ordering', tenantId: 'system', kind: 'probe' as const };
    await recordJourneySnapshot({ ...base, status: 'complete', stateVersion: 5 });
    const stale = await recordJourneySnapshot({ ...base, status: 'in_progress', stateVersion: 4 });
    expect(stale.applied).toBe(false);
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: 'probe:system:ordering' } });
    expect(row).toMatchObject({ status: 'complete', stateVersion: 5 });
  });
});
