import type { ReminderPolicy } from './definition.js';

/**
 * When the candidate is reminded. Pure: every time is an input (ISO-8601 strings), nothing reads
 * the clock, so the assessment workflow can compute the schedule and sleep until each entry.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface ScheduledReminder {
  /** ISO-8601, UTC. */
  at: string;
  kind: 'after_invite' | 'before_deadline';
  /** The policy entry that produced it: hours after the invite or before the deadline. */
  hours: number;
  /** 1-based position in the schedule (reminder 1, 2, …). */
  n: number;
}

function parseTime(value: string, name: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not an ISO-8601 time: ${value}`);
  return ms;
}

/** The deadline: `deadlineDays` × 24 hours after the invite (UTC; no calendar or DST arithmetic). */
export function deadlineFor(invitedAt: string, deadlineDays: number): string {
  if (!Number.isFinite(deadlineDays) || deadlineDays <= 0) {
    throw new RangeError(`deadlineDays must be a positive number (got ${deadlineDays})`);
  }
  return new Date(parseTime(invitedAt, 'invitedAt') + deadlineDays * DAY_MS).toISOString();
}

/**
 * The reminders of one invite, earliest first. Times at or before the invite, at or after the
 * deadline, or at or before `after` (e.g. the moment a deadline was extended, so that reminders
 * already due are not sent again) are dropped. Two entries at the same instant are sent once; the
 * `before_deadline` one is kept, since its wording names the deadline.
 */
export function reminderSchedule(input: {
  invitedAt: string;
  deadlineAt: string;
  policy: Pick<ReminderPolicy, 'afterInviteHours' | 'beforeDeadlineHours'>;
  after?: string;
}): ScheduledReminder[] {
  const invited = parseTime(input.invitedAt, 'invitedAt');
  const deadline = parseTime(input.deadlineAt, 'deadlineAt');
  if (deadline <= invited) throw new RangeError('deadlineAt must be after invitedAt');
  const notBefore = input.after === undefined ? invited : Math.max(invited, parseTime(input.after, 'after'));

  const candidates = [
    ...input.policy.beforeDeadlineHours.map((hours) => ({
      ms: deadline - hours * HOUR_MS,
      kind: 'before_deadline' as const,
      hours,
    })),
    ...input.policy.afterInviteHours.map((hours) => ({
      ms: invited + hours * HOUR_MS,
      kind: 'after_invite' as const,
      hours,
    })),
  ].filter((c) => Number.isFinite(c.ms) && c.ms > notBefore && c.ms < deadline);

  const byTime = new Map<number, (typeof candidates)[number]>();
  for (const c of candidates) if (!byTime.has(c.ms)) byTime.set(c.ms, c); // before_deadline first
  return [...byTime.values()]
    .sort((a, b) => a.ms - b.ms)
    .map((c, i) => ({ at: new Date(c.ms).toISOString(), kind: c.kind, hours: c.hours, n: i + 1 }));
}

/**
 * When the grader is reminded: `hours` after grading was requested, earliest first, de-duplicated,
 * optionally only those strictly after `after`.
 */
export function graderReminderSchedule(input: {
  requestedAt: string;
  graderReminderHours: number[];
  after?: string;
}): { at: string; hours: number; n: number }[] {
  const requested = parseTime(input.requestedAt, 'requestedAt');
  const notBefore =
    input.after === undefined ? requested : Math.max(requested, parseTime(input.after, 'after'));
  const hours = [...new Set(input.graderReminderHours)]
    .filter((h) => Number.isFinite(h) && requested + h * HOUR_MS > notBefore)
    .sort((a, b) => a - b);
  return hours.map((h, i) => ({ at: new Date(requested + h * HOUR_MS).toISOString(), hours: h, n: i + 1 }));
}
