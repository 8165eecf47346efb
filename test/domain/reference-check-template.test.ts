import { describe, expect, it } from 'vitest';
import {
  quorumOf,
  ReferenceCheckTemplate,
  relationshipLabel,
  relationships,
  type ReferenceCheckTemplateInput,
} from '../../domain/reference-checks/template.js';

/** The smallest valid template: every default left out. */
const minimal = (): ReferenceCheckTemplateInput => ({
  kind: 'reference_check',
  testId: 'refs-standard',
  name: 'Standard reference check',
  questions: [
    { id: 'overall', kind: 'rating', prompt: 'How would you rate their work overall?' },
    { id: 'strengths', kind: 'text', prompt: 'What are their strengths?' },
  ],
  referees: { min: 2, max: 3 },
  nominationDeadlineDays: 5,
  refereeDeadlineDays: 7,
  deadlineDays: 14,
});

type Mutable = ReturnType<typeof minimal> & Record<string, unknown>;
const withChange = (change: (t: Mutable) => void): unknown => {
  const t = structuredClone(minimal()) as Mutable;
  change(t);
  return t;
};

/** Parses and returns every issue as "path: message". */
function problems(input: unknown): string[] {
  const result = ReferenceCheckTemplate.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('ReferenceCheckTemplate', () => {
  it('accepts a minimal template and fills in every default', () => {
    const t = ReferenceCheckTemplate.parse(minimal());
    expect(t.ratingScale).toEqual({ min: 1, max: 5 });
    expect(t.requiredRelationships).toEqual([]);
    expect(t.workEmailExpectedFor).toEqual(['manager', 'peer', 'direct_report', 'client']);
    expect(t.minimumAnswerSeconds).toBe(60);
    expect(t.reminders).toEqual({
      candidate: { afterInviteHours: [], beforeDeadlineHours: [] },
      referee: { afterInviteHours: [], beforeDeadlineHours: [] },
    });
    expect(t.questions).toEqual([
      { id: 'overall', kind: 'rating', prompt: 'How would you rate their work overall?', required: true },
      {
        id: 'strengths',
        kind: 'text',
        prompt: 'What are their strengths?',
        required: false,
        maxLength: 5000,
      },
    ]);
    expect(t.referees).toEqual({ min: 2, max: 3 });
  });

  it('fills in the defaults of a partly given reminder policy and rating scale', () => {
    const t = ReferenceCheckTemplate.parse({
      ...minimal(),
      reminders: { referee: { afterInviteHours: [48] } },
      ratingScale: { max: 10, maxLabel: ' Outstanding ' },
    });
    expect(t.reminders).toEqual({
      candidate: { afterInviteHours: [], beforeDeadlineHours: [] },
      referee: { afterInviteHours: [48], beforeDeadlineHours: [] },
    });
    expect(t.ratingScale).toEqual({ min: 1, max: 10, maxLabel: 'Outstanding' });
  });

  it('is idempotent: a parsed template parses to itself', () => {
    const t = ReferenceCheckTemplate.parse(minimal());
    expect(ReferenceCheckTemplate.parse(t)).toEqual(t);
  });

  it('labels every relationship', () => {
    expect(Object.keys(relationshipLabel).sort()).toEqual([...relationships].sort());
    expect(relationshipLabel.direct_report).toBe('Direct report');
  });

  it.each([
    ['the assessment kind', (t: Mutable) => (t.kind = 'assessment' as 'reference_check'), 'kind'],
    ['a test id with spaces', (t: Mutable) => (t.testId = 'refs standard'), 'testId'],
    ['a blank name', (t: Mutable) => (t.name = '   '), 'name'],
    ['no questions', (t: Mutable) => (t.questions = []), 'questions'],
    [
      'a question id that would set a prototype',
      (t: Mutable) => (t.questions[0]!.id = '__proto__'),
      'questions.0.id',
    ],
    [
      'an unknown question kind',
      (t: Mutable) => Object.assign(t.questions[0]!, { kind: 'choice' }),
      'questions.0.kind',
    ],
    [
      'an unknown field on a question',
      (t: Mutable) => Object.assign(t.questions[0]!, { maxLength: 10 }),
      'questions.0',
    ],
    [
      'a text question with maxLength 0',
      (t: Mutable) => Object.assign(t.questions[1]!, { maxLength: 0 }),
      'questions.1.maxLength',
    ],
    ['a rating scale from 2', (t: Mutable) => (t.ratingScale = { min: 2, max: 5 }), 'ratingScale.min'],
    ['a rating scale up to 11', (t: Mutable) => (t.ratingScale = { min: 1, max: 11 }), 'ratingScale.max'],
    ['referees.min of 0', (t: Mutable) => (t.referees = { min: 0, max: 3 }), 'referees.min'],
    ['referees.max of 11', (t: Mutable) => (t.referees = { min: 2, max: 11 }), 'referees.max'],
    ['a fractional referees.min', (t: Mutable) => (t.referees = { min: 1.5, max: 3 }), 'referees.min'],
    [
      'an unknown relationship',
      (t: Mutable) => (t.workEmailExpectedFor = ['boss' as 'manager']),
      'workEmailExpectedFor.0',
    ],
    [
      'a required relationship count of 0',
      (t: Mutable) => (t.requiredRelationships = [{ relationship: 'manager', count: 0 }]),
      'requiredRelationships.0.count',
    ],
    ['a deadline of 91 days', (t: Mutable) => (t.deadlineDays = 91), 'deadlineDays'],
    ['a referee deadline of 31 days', (t: Mutable) => (t.refereeDeadlineDays = 31), 'refereeDeadlineDays'],
    [
      'a minimum answer time over an hour',
      (t: Mutable) => (t.minimumAnswerSeconds = 3601),
      'minimumAnswerSeconds',
    ],
    ['an unknown field', (t: Mutable) => (t.quorum = 2), ''],
  ])('refuses %s', (_name, change, path) => {
    const found = problems(withChange(change));
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((p) => p.slice(0, p.indexOf(': ')))).toContain(path);
  });

  it('refuses referees.max below referees.min', () => {
    expect(problems(withChange((t) => (t.referees = { min: 3, max: 2 })))).toEqual([
      'referees.max: max must be at least min',
    ]);
    expect(problems(withChange((t) => (t.referees = { min: 3, max: 3 })))).toEqual([]);
  });

  it('refuses a quorum above referees.max and takes the quorum from min by default', () => {
    expect(problems(withChange((t) => (t.referees = { min: 2, max: 3, quorum: 4 })))).toEqual([
      'referees.quorum: quorum must not exceed max',
    ]);
    const explicit = ReferenceCheckTemplate.parse(
      withChange((t) => (t.referees = { min: 2, max: 3, quorum: 3 })),
    );
    expect(quorumOf(explicit)).toBe(3);
    const byDefault = ReferenceCheckTemplate.parse(minimal());
    expect(byDefault.referees.quorum).toBeUndefined();
    expect(quorumOf(byDefault)).toBe(2);
    expect(quorumOf({ referees: { min: 4, max: 5, quorum: 1 } })).toBe(1);
  });

  it('refuses a question id used twice, naming the second', () => {
    expect(problems(withChange((t) => (t.questions[1]!.id = 'overall')))).toEqual([
      'questions.1.id: question id overall is used twice',
    ]);
  });

  it('refuses a relationship required twice', () => {
    const t = withChange(
      (t) =>
        (t.requiredRelationships = [
          { relationship: 'manager', count: 1 },
          { relationship: 'peer', count: 1 },
          { relationship: 'manager', count: 1 },
        ]),
    );
    expect(problems(t)).toEqual(['requiredRelationships.2.relationship: manager is listed twice']);
  });

  it('refuses required relationships that need more referees than max', () => {
    const need = (counts: [number, number]) =>
      problems(
        withChange(
          (t) =>
            (t.requiredRelationships = [
              { relationship: 'manager', count: counts[0] },
              { relationship: 'peer', count: counts[1] },
            ]),
        ),
      );
    expect(need([1, 2])).toEqual([]); // 3 = max
    expect(need([2, 2])).toEqual([
      'requiredRelationships: the required relationships need 4 referees but referees.max is 3',
    ]);
  });

  it('refuses a nomination deadline not shorter than the whole deadline', () => {
    const expected = [
      'nominationDeadlineDays: must be shorter than deadlineDays (referees need time to answer)',
    ];
    expect(problems(withChange((t) => (t.nominationDeadlineDays = 14)))).toEqual(expected);
    expect(problems(withChange((t) => (t.nominationDeadlineDays = 20)))).toEqual(expected);
    expect(problems(withChange((t) => (t.nominationDeadlineDays = 13)))).toEqual([]);
  });

  it('reports every cross-field problem at once', () => {
    const t = withChange((t) => {
      t.questions[1]!.id = 'overall';
      t.requiredRelationships = [
        { relationship: 'manager', count: 2 },
        { relationship: 'manager', count: 2 },
      ];
      t.nominationDeadlineDays = 14;
    });
    expect(problems(t)).toEqual([
      'questions.1.id: question id overall is used twice',
      'requiredRelationships.1.relationship: manager is listed twice',
      'requiredRelationships: the required relationships need 4 referees but referees.max is 3',
      'nominationDeadlineDays: must be shorter than deadlineDays (referees need time to answer)',
    ]);
  });
});
