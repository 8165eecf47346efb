import { describe, expect, it } from 'vitest';
import { deadlineFor, graderReminderSchedule, reminderSchedule } from '../../domain/assessments/reminders.js';

const invitedAt = '2026-11-23T10:00:00.000Z';

describe('deadlineFor', () => {
  it('adds whole days of 24 hours in UTC, across a DST change too', () => {
    expect(deadlineFor(invitedAt, 7)).toBe('2026-11-30T10:00:00.000Z');
    expect(deadlineFor('2026-03-25T09:30:00+01:00', 7)).toBe('2026-04-01T08:30:00.000Z');
  });

  it('refuses a bad time or a non-positive number of days', () => {
    expect(() => deadlineFor('yesterday', 7)).toThrow(RangeError);
    expect(() => deadlineFor(invitedAt, 0)).toThrow('deadlineDays must be a positive number (got 0)');
  });
});

describe('reminderSchedule', () => {
  const deadlineAt = deadlineFor(invitedAt, 7);

  it('lists reminders after the invite and before the deadline, earliest first', () => {
    expect(
      reminderSchedule({
        invitedAt,
        deadlineAt,
        policy: { afterInviteHours: [48], beforeDeadlineHours: [24] },
      }),
    ).toEqual([
      { at: '2026-11-25T10:00:00.000Z', kind: 'after_invite', hours: 48, n: 1 },
      { at: '2026-11-29T10:00:00.000Z', kind: 'before_deadline', hours: 24, n: 2 },
    ]);
  });

  it('sorts a policy given in any order', () => {
    const schedule = reminderSchedule({
      invitedAt,
      deadlineAt,
      policy: { afterInviteHours: [72, 24], beforeDeadlineHours: [2, 48] },
    });
    expect(schedule.map((r) => [r.kind, r.hours])).toEqual([
      ['after_invite', 24],
      ['after_invite', 72],
      ['before_deadline', 48],
      ['before_deadline', 2],
    ]);
    expect(schedule.map((r) => r.n)).toEqual([1, 2, 3, 4]);
  });

  it('drops times at or before the invite and at or after the deadline', () => {
    const short = deadlineFor(invitedAt, 1); // 24 h
    expect(
      reminderSchedule({
        invitedAt,
        deadlineAt: short,
        policy: { afterInviteHours: [24, 48, 12], beforeDeadlineHours: [24, 30, 6] },
      }),
    ).toEqual([
      { at: '2026-11-23T22:00:00.000Z', kind: 'after_invite', hours: 12, n: 1 },
      { at: '2026-11-24T04:00:00.000Z', kind: 'before_deadline', hours: 6, n: 2 },
    ]);
  });

  it('sends two reminders due at the same instant once, as the deadline reminder', () => {
    // 7 days = 168 h: 120 h after the invite is 48 h before the deadline.
    expect(
      reminderSchedule({
        invitedAt,
        deadlineAt,
        policy: { afterInviteHours: [120], beforeDeadlineHours: [48] },
      }),
    ).toEqual([{ at: '2026-11-28T10:00:00.000Z', kind: 'before_deadline', hours: 48, n: 1 }]);
  });

  it('follows an extended deadline and skips what was already due', () => {
    const extended = deadlineFor(invitedAt, 10);
    expect(
      reminderSchedule({
        invitedAt,
        deadlineAt: extended,
        after: '2026-11-29T12:00:00.000Z',
        policy: { afterInviteHours: [48], beforeDeadlineHours: [24] },
      }),
    ).toEqual([{ at: '2026-12-02T10:00:00.000Z', kind: 'before_deadline', hours: 24, n: 1 }]);
  });

  it('returns nothing for an empty policy and refuses a deadline before the invite', () => {
    expect(
      reminderSchedule({ invitedAt, deadlineAt, policy: { afterInviteHours: [], beforeDeadlineHours: [] } }),
    ).toEqual([]);
    expect(() =>
      reminderSchedule({
        invitedAt,
        deadlineAt: invitedAt,
        policy: { afterInviteHours: [1], beforeDeadlineHours: [] },
      }),
    ).toThrow('deadlineAt must be after invitedAt');
    expect(() =>
      reminderSchedule({
        invitedAt: 'soon',
        deadlineAt,
        policy: { afterInviteHours: [], beforeDeadlineHours: [] },
      }),
    ).toThrow('invitedAt is not an ISO-8601 time: soon');
  });

  it('accepts offsets and answers in UTC', () => {
    expect(
      reminderSchedule({
        invitedAt: '2026-11-23T11:00:00+01:00',
        deadlineAt: '2026-11-24T11:00:00+01:00',
        policy: { afterInviteHours: [1], beforeDeadlineHours: [] },
      }),
    ).toEqual([{ at: '2026-11-23T11:00:00.000Z', kind: 'after_invite', hours: 1, n: 1 }]);
  });
});

describe('graderReminderSchedule', () => {
  it('lists grader reminders after the request, sorted and de-duplicated', () => {
    expect(graderReminderSchedule({ requestedAt: invitedAt, graderReminderHours: [72, 24, 24] })).toEqual([
      { at: '2026-11-24T10:00:00.000Z', hours: 24, n: 1 },
      { at: '2026-11-26T10:00:00.000Z', hours: 72, n: 2 },
    ]);
    expect(
      graderReminderSchedule({
        requestedAt: invitedAt,
        graderReminderHours: [24, 72],
        after: '2026-11-24T10:00:00.000Z',
      }),
    ).toEqual([{ at: '2026-11-26T10:00:00.000Z', hours: 72, n: 1 }]);
  });
});
