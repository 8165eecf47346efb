import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensureSchedule } from '../temporal/ensure-schedule.js';
import type { RotateLaunchKeysInput } from '../workflows/launch-keys/rotate-launch-keys.js';
import { DEFAULT_ROTATION_LEAD_MS } from './launch-assertions.js';

/** One per task queue: deployments (and test stacks) sharing a Temporal namespace keep their own. */
export const launchKeyRotationScheduleId = (taskQueue: string) => `launch-key-rotation:${taskQueue}`;

/**
 * Rotates the launch-assertion key every `everyDays` (LAUNCH_KEY_ROTATION_DAYS): the next key is
 * published `leadMs` before it signs. Created once, brought up to date by every worker start.
 */
export async function ensureLaunchKeyRotationSchedule(
  deps: { temporal: Client; taskQueue: string },
  { everyDays, leadMs = DEFAULT_ROTATION_LEAD_MS }: { everyDays: number; leadMs?: number },
): Promise<void> {
  const scheduleId = launchKeyRotationScheduleId(deps.taskQueue);
  const options: ScheduleOptions = {
    scheduleId,
    spec: { intervals: [{ every: `${everyDays} days` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'rotateLaunchKeys',
      workflowId: scheduleId,
      taskQueue: deps.taskQueue,
      args: [{ leadMs } satisfies RotateLaunchKeysInput],
    },
    // A missed run is caught up once (a worker down for a day still rotates), never twice.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
  await ensureSchedule(deps.temporal, options);
}
