import { describe, expect, it } from 'vitest';
import { sqlFundamentals } from '../../catalogue/demo-tests.js';
import {
  firstIssue,
  maxPointsOf,
  TestDefinition,
  toCandidateView,
  type TestDefinitionInput,
} from '../../domain/assessments/definition.js';
import { fixture, fixtureCopy } from './assessment-fixture.js';

/** Parses and returns every issue as "path: message". */
function problems(input: unknown): string[] {
  const result = TestDefinition.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

type Mutable = ReturnType<typeof fixtureCopy>;
const withChange = (change: (d: Mutable) => void) => {
  const d = fixtureCopy();
  change(d);
  return d;
};

describe('TestDefinition', () => {
  it('accepts the fixture and the demo test and fills in defaults', () => {
    expect(problems(fixtureCopy())).toEqual([]);
    expect(problems(sqlFundamentals)).toEqual([]);
    expect(fixture.reminders).toEqual({ afterInviteHours: [], beforeDeadlineHours: [] });
    expect(fixture.graderReminderHours).toEqual([]);
    const q2 = fixture.sections[0]!.questions[1]!;
    expect(q2.kind === 'multiple_choice' && q2.scoring).toBe('partial');
    const q3 = fixture.sections[0]!.questions[2]!;
    expect(q3.kind === 'numeric' && q3.tolerance).toBe(0.5);
    const q1 = fixture.sections[0]!.questions[0]!;
    expect(q1.kind === 'single_choice' && q1.options[0]!.correct).toBe(false);
    expect(maxPointsOf(fixture)).toBe(20);
  });

  it('is idempotent: a parsed definition parses to itself', () => {
    expect(TestDefinition.parse(fixture)).toEqual(fixture);
  });

  it.each([
    ['a test id with spaces', (d: Mutable) => (d.testId = 'sql basics'), 'testId'],
    ['a test id over 100 characters', (d: Mutable) => (d.testId = 'x'.repeat(101)), 'testId'],
    ['an empty name', (d: Mutable) => (d.name = '  '), 'name'],
    ['no sections', (d: Mutable) => (d.sections = []), 'sections'],
    ['a section without questions', (d: Mutable) => (d.sections[1]!.questions = []), 'sections.1.questions'],
    ['a pass mark over 100', (d: Mutable) => (d.passMarkPercent = 101), 'passMarkPercent'],
    ['a time limit of 0', (d: Mutable) => Object.assign(d, { timeLimitMinutes: 0 }), 'timeLimitMinutes'],
    [
      'a time limit over 600',
      (d: Mutable) => Object.assign(d, { timeLimitMinutes: 601 }),
      'timeLimitMinutes',
    ],
    ['a deadline of 91 days', (d: Mutable) => (d.deadlineDays = 91), 'deadlineDays'],
    [
      'a question id that would set a prototype',
      (d: Mutable) => (d.sections[0]!.questions[0]!.id = '__proto__'),
      'sections.0.questions.0.id',
    ],
    [
      'zero points',
      (d: Mutable) => (d.sections[0]!.questions[0]!.points = 0),
      'sections.0.questions.0.points',
    ],
    [
      'an unknown question kind',
      (d: Mutable) => Object.assign(d.sections[0]!.questions[0]!, { kind: 'essay' }),
      'sections.0.questions.0.kind',
    ],
    [
      'an unknown field',
      (d: Mutable) => Object.assign(d.sections[0]!.questions[2]!, { answr: 3 }),
      'sections.0.questions.2',
    ],
    [
      'a numeric question without an answer',
      (d: Mutable) => delete (d.sections[0]!.questions[2] as { answer?: number }).answer,
      'sections.0.questions.2.answer',
    ],
    [
      'a negative tolerance',
      (d: Mutable) => ((d.sections[0]!.questions[2] as { tolerance: number }).tolerance = -1),
      'sections.0.questions.2.tolerance',
    ],
    [
      'a choice question with one option',
      (d: Mutable) => (d.sections[0]!.questions[0] as { options: unknown[] }).options.splice(1),
      'sections.0.questions.0.options',
    ],
    [
      'a choice question without options',
      (d: Mutable) => delete (d.sections[0]!.questions[0] as { options?: unknown[] }).options,
      'sections.0.questions.0.options',
    ],
    [
      'reminder hours that are not whole',
      (d: Mutable) => Object.assign(d, { reminders: { afterInviteHours: [1.5], beforeDeadlineHours: [] } }),
      'reminders.afterInviteHours.0',
    ],
    [
      'a repeated grader reminder hour',
      (d: Mutable) => Object.assign(d, { graderReminderHours: [24, 24] }),
      'graderReminderHours',
    ],
  ])('refuses %s, naming the path', (_name, change, path) => {
    const found = problems(withChange(change as (d: Mutable) => void));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.startsWith(`${path}:`), found.join('; ')).toBe(true);
  });

  it('refuses duplicate question ids across sections, naming both places', () => {
    const found = problems(withChange((d) => (d.sections[1]!.questions[1]!.id = 'q1')));
    expect(found).toEqual([
      'sections.1.questions.1.id: question id q1 is already used by sections.0.questions.0',
    ]);
  });

  it('refuses duplicate section and option ids', () => {
    expect(problems(withChange((d) => (d.sections[1]!.id = 's1')))).toEqual([
      'sections.1.id: section id s1 is already used by sections.0',
    ]);
    const dupOption = withChange((d) => {
      (d.sections[0]!.questions[0] as { options: { id: string }[] }).options[2]!.id = 'a';
    });
    expect(problems(dupOption)).toEqual([
      'sections.0.questions.0.options.2.id: option id a is used twice in question q1',
    ]);
  });

  it('needs exactly one correct option for single choice and at least one for multiple choice', () => {
    const twoCorrect = withChange((d) => {
      (d.sections[0]!.questions[0] as { options: { correct?: boolean }[] }).options[0]!.correct = true;
    });
    expect(problems(twoCorrect)).toEqual([
      'sections.0.questions.0.options: a single_choice question needs exactly one correct option (found 2)',
    ]);
    const noneCorrect = withChange((d) => {
      for (const o of (d.sections[0]!.questions[1] as { options: { correct?: boolean }[] }).options) {
        o.correct = false;
      }
    });
    expect(problems(noneCorrect)).toEqual([
      'sections.0.questions.1.options: a multiple_choice question needs at least one correct option',
    ]);
  });

  it('formats the first issue for an error response', () => {
    const result = TestDefinition.safeParse(withChange((d) => (d.deadlineDays = 0)));
    expect(result.success).toBe(false);
    const { field, message } = firstIssue(result.error!);
    expect(field).toBe('deadlineDays');
    expect(message).toMatch(/^deadlineDays: /);
  });
});

describe('toCandidateView', () => {
  const keyedTest: TestDefinitionInput = sqlFundamentals;

  it.each([
    ['fixture', fixture],
    ['demo', TestDefinition.parse(keyedTest)],
  ])('never carries keys or rubrics (%s)', (_name, def) => {
    const view = toCandidateView(def);
    const json = JSON.stringify(view);
    expect(json).not.toMatch(/"correct"/);
    expect(json).not.toMatch(/"answer"/);
    expect(json).not.toMatch(/"tolerance"/);
    expect(json).not.toMatch(/"rubric"/);
    for (const section of def.sections) {
      for (const q of section.questions) {
        if (q.kind === 'free_text' && q.rubric) expect(json).not.toContain(q.rubric);
        if (q.kind === 'numeric') {
          const viewQuestion = view.sections.flatMap((s) => s.questions).find((v) => v.id === q.id);
          expect(Object.values(viewQuestion!)).not.toContain(q.answer);
        }
        if (q.kind === 'single_choice' || q.kind === 'multiple_choice') {
          for (const option of q.options.filter((o) => o.correct)) {
            expect(json).toContain(`{"id":"${option.id}","text":${JSON.stringify(option.text)}}`);
          }
        }
      }
    }
  });

  it('keeps what the candidate needs', () => {
    const view = toCandidateView(TestDefinition.parse(sqlFundamentals));
    expect(view).toMatchObject({
      testId: 'sql-fundamentals',
      name: 'SQL fundamentals',
      timeLimitMinutes: 45,
    });
    expect(view.totalPoints).toBe(15);
    const questions = view.sections.flatMap((s) => s.questions);
    expect(questions.map((q) => q.kind)).toEqual([
      'single_choice',
      'multiple_choice',
      'numeric',
      'numeric',
      'single_choice',
      'free_text',
    ]);
    expect(questions[0]).toEqual({
      kind: 'single_choice',
      id: 'where-vs-having',
      prompt: 'Which clause filters groups after GROUP BY has been applied?',
      points: 2,
      options: [
        { id: 'where', text: 'WHERE' },
        { id: 'having', text: 'HAVING' },
        { id: 'order-by', text: 'ORDER BY' },
        { id: 'limit', text: 'LIMIT' },
      ],
    });
    expect(questions[2]).toMatchObject({ kind: 'numeric', unit: 'rows' });
    expect(questions[5]).toMatchObject({ kind: 'free_text', maxLength: 3000 });
  });
});
