import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { ensureRetentionSchedule } from '../../journeys/retention-schedule.js';
import type { retentionSweep } from '../../workflows/retention/retention-sweep.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';
import { everyRow } from './erasure-dump.js';

// Retention on the real stack: journeys that ended longer ago than their tenant's retention period
// lose their personal data (erased as an operator's erasure would), paged by a small workflow that a
// Temporal Schedule starts; journeys still running or ended recently keep it. The audit trail says
// how many, never who.
describe('retention', () => {
  let stack: ReferenceCheckStack;
  beforeAll(async () => {
    stack = await startReferenceCheckStack();
  }, 120_000);
  afterAll(async () => stack?.close());

  const DAY_MS = 86_400_000;
  /** A reference check that ran and was cancelled by an operator `daysAgo` days ago. */
  async function endedCheck(index: number, daysAgo: number) {
    const started = await stack.startReferenceCheckDirect(index);
    const cancelled = await stack.api.call(
      'POST',
      `/operator/journeys/${encodeURIComponent(started.journeyId)}/cancel`,
      { reason: 'the role was filled' },
    );
    expect(cancelled.status).toBe(200);
    await started.handle.result().catch(() => undefined);
    await waitFor('the journey ended', async () => {
      const row = await stack.database.db.journey.findUniqueOrThrow({ where: { id: started.journeyId } });
      return row.status === 'cancelled';
    });
    // Its end lies `daysAgo` back (a test cannot wait months).
    const endedAt = new Date(Date.now() - daysAgo * DAY_MS);
    await stack.database.db.$executeRaw`
      UPDATE journeys SET updated_at = ${endedAt}, completed_at = NULL WHERE id = ${started.journeyId}`;
    return started;
  }
  const journey = (id: string) => stack.database.db.journey.findUniqueOrThrow({ where: { id } });

  it('erases what ended longer ago than the tenant’s period, in pages, and nothing else', async () => {
    // The tenant keeps personal data 30 days; a bad value is refused and changes nothing.
    const bad = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      retentionDays: 0,
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_input', field: 'retentionDays' } },
    });
    const tenantRow = () => stack.database.db.tenant.findUniqueOrThrow({ where: { id: stack.tenantId } });
    expect((await tenantRow()).retentionDays).toBe(180); // the default
    const set = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      retentionDays: 30,
    });
    expect(set).toMatchObject({ status: 200, body: { retentionDays: 30 } });
    const settingsAudit = await stack.database.db.auditEntry.findFirst({
      where: { action: 'tenants.settings', outcome: 'ok' },
      orderBy: { id: 'desc' },
    });
    expect(settingsAudit!.detail).toMatchObject({ settings: ['retentionDays'] });

    const old1 = await endedCheck(0, 45);
    const old2 = await endedCheck(1, 31);
    const recent = await endedCheck(2, 20);
    // Running for 60 days and still running: never erased by retention.
    const live = await stack.startReferenceCheckDirect(3);
    await stack.database.db.$executeRaw`
      UPDATE journeys SET created_at = ${new Date(Date.now() - 60 * DAY_MS)},
                          updated_at = ${new Date(Date.now() - 60 * DAY_MS)}
       WHERE id = ${live.journeyId}`;

    // One journey per page, one page per run: the sweep continues as new until nothing is due.
    const sweep = await stack.temporal.workflow.start<typeof retentionSweep>('retentionSweep', {
      workflowId: `retention-test-${randomUUID()}`,
      taskQueue: stack.taskQueue,
      args: [{ pageSize: 1, pagesPerRun: 1 }],
    });
    expect(await sweep.result()).toEqual({ erased: 2 });

    for (const gone of [old1, old2]) {
      expect((await journey(gone.journeyId)).erasedAt).not.toBeNull();
      expect(
        await stack.database.db.journeyCandidate.findUnique({ where: { journeyId: gone.journeyId } }),
      ).toMatchObject({ email: 'erased@invalid', firstName: 'erased' });
      expect(
        (await stack.database.db.journeyDataKey.findUnique({ where: { journeyId: gone.journeyId } }))
          ?.destroyedAt,
      ).not.toBeNull();
    }
    const rows = await everyRow(stack.database.db);
    for (const gone of [old1, old2]) expect(rows).not.toContain(gone.candidateEmail);
    for (const kept of [recent, live]) {
      expect((await journey(kept.journeyId)).erasedAt).toBeNull();
      expect(rows).toContain(kept.candidateEmail);
    }
    expect((await live.handle.describe()).status.name).toBe('RUNNING');

    // Audited with counts only: one entry per run that erased, none for the empty last page.
    const audit = await stack.database.db.auditEntry.findMany({ where: { action: 'retention.erase' } });
    expect(audit.map((a) => a.detail)).toEqual([{ journeys: 1 }, { journeys: 1 }]);
    expect(audit.every((a) => a.actor === 'retention' && a.tenantId === stack.tenantId)).toBe(true);

    // A second sweep finds nothing due and changes nothing.
    const again = await stack.temporal.workflow.execute<typeof retentionSweep>('retentionSweep', {
      workflowId: `retention-test-${randomUUID()}`,
      taskQueue: stack.taskQueue,
      args: [{}],
    });
    expect(again).toEqual({ erased: 0 });
    expect(await stack.database.db.auditEntry.count({ where: { action: 'retention.erase' } })).toBe(2);
  }, 240_000);

  it('is run by a Schedule that every process creates idempotently', async () => {
    const scheduleId = `retention-test-${randomUUID()}`;
    const deps = { temporal: stack.temporal, taskQueue: stack.taskQueue, scheduleId };
    // Two processes starting at once, then a restart: one Schedule.
    await Promise.all([ensureRetentionSchedule(deps), ensureRetentionSchedule(deps)]);
    await ensureRetentionSchedule({ ...deps, every: '12 hours' });
    const handle = stack.temporal.schedule.getHandle(scheduleId);
    try {
      const described = await handle.describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionSweep' });
      expect(described.spec.intervals?.[0]?.every).toBe(12 * 3_600_000);

      const due = await endedCheck(4, 400); // past the default 180 days too
      await handle.trigger();
      await waitFor(
        'the scheduled sweep erased the journey',
        async () => (await journey(due.journeyId)).erasedAt,
        60_000,
      );
      expect(await everyRow(stack.database.db)).not.toContain(due.candidateEmail);
    } finally {
      await handle.delete();
    }
  }, 240_000);
});
