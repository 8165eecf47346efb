import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';

/**
 * Creates a Schedule, or brings an existing one's spec and action up to date: idempotent, so every
 * process that owns one calls it at start. Concurrent starts: one creates, the others update (or find
 * it created meanwhile). The rest of an existing Schedule (a pause set in the Temporal UI) stays.
 */
export async function ensureSchedule(
  temporal: Pick<Client, 'schedule'>,
  options: ScheduleOptions,
): Promise<void> {
  const handle = temporal.schedule.getHandle(options.scheduleId);
  try {
    await handle.update((prev) => ({ ...prev, spec: options.spec, action: options.action }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await temporal.schedule.create(options).catch((e: unknown) => {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    });
  }
}
