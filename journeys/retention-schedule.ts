import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensureSchedule } from '../temporal/ensure-schedule.js';
import type { RetentionSweepInput } from '../workflows/retention/retention-sweep.js';

/** One Schedule for the deployment; its runs share the id, so two never overlap. */
export const RETENTION_SCHEDULE_ID = 'retention';

export interface RetentionScheduleDeps {
  temporal: Client;
  taskQueue: string;
  /** How often the sweep runs (default daily). */
  every?: string;
  /** Default `retention`; tests sharing one Temporal server use their own. */
  scheduleId?: string;
}

function scheduleOptions(deps: RetentionScheduleDeps): ScheduleOptions {
  const scheduleId = deps.scheduleId ?? RETENTION_SCHEDULE_ID;
  return {
    scheduleId,
    spec: { intervals: [{ every: deps.every ?? '1 day' }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'retentionSweep',
      workflowId: scheduleId,
      taskQueue: deps.taskQueue,
      args: [{} satisfies RetentionSweepInput],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
}

/**
 * Creates the retention Schedule, or brings an existing one up to date: idempotent, so every API
 * and worker process calls it at start (concurrent starts: one creates, the others update).
 */
export async function ensureRetentionSchedule(deps: RetentionScheduleDeps): Promise<void> {
  const options = scheduleOptions(deps);
  await ensureSchedule(deps.temporal, options);
}
