import { describe, expect, it } from 'vitest';
import { TestDefinition } from '../../domain/assessments/definition.js';
import {
  autoGrade,
  finalizeGrade,
  GradingError,
  graderScoresSchemaFor,
  parseAnswers,
  roundTo,
  type Answers,
} from '../../domain/assessments/grading.js';
import { fixture, fixtureCopy } from './assessment-fixture.js';

const pointsOf = (answers: Answers, questionId: string) =>
  autoGrade(fixture, answers).questions.find((q) => q.questionId === questionId)!.points;

describe('autoGrade', () => {
  it('scores single choice: the correct option only', () => {
    expect(pointsOf({ q1: 'b' }, 'q1')).toBe(2);
    expect(pointsOf({ q1: 'a' }, 'q1')).toBe(0);
    expect(pointsOf({ q1: null }, 'q1')).toBe(0);
  });

  it('scores multiple choice proportionally with a penalty for wrong picks (partial)', () => {
    // k = 2 correct (a, b), w = 2 wrong (c, d), 4 points: points × max(0, hits/k − wrong/w)
    expect(pointsOf({ q2: ['a', 'b'] }, 'q2')).toBe(4);
    expect(pointsOf({ q2: ['b', 'a'] }, 'q2')).toBe(4);
    expect(pointsOf({ q2: ['a'] }, 'q2')).toBe(2);
    expect(pointsOf({ q2: ['a', 'b', 'c'] }, 'q2')).toBe(2);
    expect(pointsOf({ q2: ['a', 'c'] }, 'q2')).toBe(0);
    expect(pointsOf({ q2: ['c'] }, 'q2')).toBe(0); // never negative
    expect(pointsOf({ q2: ['a', 'b', 'c', 'd'] }, 'q2')).toBe(0); // picking everything earns nothing
    expect(pointsOf({ q2: [] }, 'q2')).toBe(0);
  });

  it('rounds partial credit to 2 decimals and handles questions whose options are all correct', () => {
    const d = fixtureCopy();
    Object.assign(d.sections[0]!.questions[1]!, {
      points: 1,
      options: [
        { id: 'a', text: 'A', correct: true },
        { id: 'b', text: 'B', correct: true },
        { id: 'c', text: 'C', correct: true },
      ],
    });
    const def = TestDefinition.parse(d);
    const q2 = (answers: Answers) => autoGrade(def, answers).questions[1]!.points;
    expect(q2({ q2: ['a'] })).toBe(0.33);
    expect(q2({ q2: ['a', 'b'] })).toBe(0.67);
    expect(q2({ q2: ['a', 'b', 'c'] })).toBe(1);
  });

  it('scores all-or-nothing multiple choice only for the exact set', () => {
    expect(pointsOf({ q4: ['x', 'y'] }, 'q4')).toBe(2);
    expect(pointsOf({ q4: ['x'] }, 'q4')).toBe(0);
    expect(pointsOf({ q4: ['x', 'y', 'z'] }, 'q4')).toBe(0);
  });

  it('scores numeric answers within the tolerance, edges included', () => {
    // answer 10, tolerance 0.5
    expect(pointsOf({ q3: 10 }, 'q3')).toBe(2);
    expect(pointsOf({ q3: 10.5 }, 'q3')).toBe(2);
    expect(pointsOf({ q3: 9.5 }, 'q3')).toBe(2);
    expect(pointsOf({ q3: 10.500001 }, 'q3')).toBe(0);
    expect(pointsOf({ q3: 9.499999 }, 'q3')).toBe(0);
    expect(pointsOf({ q3: -10 }, 'q3')).toBe(0);
  });

  it('absorbs binary floating point at the tolerance edge and honours a zero tolerance', () => {
    const d = fixtureCopy();
    Object.assign(d.sections[0]!.questions[2]!, { answer: 0.3, tolerance: 0.1 });
    const def = TestDefinition.parse(d);
    const q3 = (n: number) => autoGrade(def, { q3: n }).questions[2]!.points;
    expect(0.4 - 0.3).toBeGreaterThan(0.1); // the trap
    expect(q3(0.4)).toBe(2);
    expect(q3(0.2)).toBe(2);
    expect(q3(0.41)).toBe(0);
    Object.assign(d.sections[0]!.questions[2]!, { answer: 18.5, tolerance: 0 });
    const exact = TestDefinition.parse(d);
    expect(autoGrade(exact, { q3: 18.5 }).questions[2]!.points).toBe(2);
    expect(autoGrade(exact, { q3: 18.51 }).questions[2]!.points).toBe(0);
  });

  it('leaves answered free text to a grader and scores blank free text 0 without one', () => {
    const pending = autoGrade(fixture, { q5: 'Because of indexes' });
    expect(pending.pendingQuestionIds).toEqual(['q5']);
    expect(pending.needsGrader).toBe(true);
    expect(pending.questions[4]).toMatchObject({ questionId: 'q5', status: 'pending_grader', points: null });
    for (const blank of [{ q5: '   ' }, { q5: null }, {}] as Answers[]) {
      const grade = autoGrade(fixture, blank);
      expect(grade.needsGrader).toBe(false);
      expect(grade.questions[4]).toMatchObject({ status: 'graded', points: 0, answered: false });
    }
  });

  it('scores empty answers 0 everywhere', () => {
    const grade = autoGrade(fixture, {});
    expect(grade).toMatchObject({ autoPoints: 0, maxPoints: 20, pendingQuestionIds: [], needsGrader: false });
    expect(grade.questions.every((q) => q.points === 0 && !q.answered)).toBe(true);
    expect(finalizeGrade(fixture, grade, {})).toMatchObject({
      scorePoints: 0,
      maxPoints: 20,
      scorePercent: 0,
      passed: false,
    });
  });

  it('never throws on answers it was not meant to get: unknown ids ignored, wrong shapes score 0', () => {
    const grade = autoGrade(fixture, { nope: 'x', q1: ['b'], q2: 'a', q3: 'ten' } as Answers);
    expect(grade.autoPoints).toBe(0);
  });

  it('is deterministic', () => {
    const answers: Answers = { q1: 'b', q2: ['a'], q3: 10.2, q4: ['x', 'y'], q5: 'text' };
    expect(autoGrade(fixture, answers)).toEqual(autoGrade(fixture, structuredClone(answers)));
  });
});

describe('finalizeGrade', () => {
  const allRight: Answers = { q1: 'b', q2: ['a', 'b'], q3: 10, q4: ['x', 'y'], q5: 'An index on …' };

  it('adds the grader’s points and reports totals and sections', () => {
    const auto = autoGrade(fixture, allRight);
    expect(auto.autoPoints).toBe(10);
    const result = finalizeGrade(fixture, auto, { q5: { points: 7.5, comment: 'Good, missed ordering' } });
    expect(result).toMatchObject({
      testId: 'fixture-test',
      scorePoints: 17.5,
      maxPoints: 20,
      scorePercent: 87.5,
      passMarkPercent: 60,
      passed: true,
      sections: [
        { id: 's1', title: 'Keyed', points: 8, maxPoints: 8, percent: 100 },
        { id: 's2', title: 'Mixed', points: 9.5, maxPoints: 12, percent: 79.2 },
      ],
    });
    expect(result.questions[4]).toEqual({
      questionId: 'q5',
      sectionId: 's2',
      kind: 'free_text',
      answered: true,
      points: 7.5,
      maxPoints: 10,
      gradedBy: 'grader',
      comment: 'Good, missed ordering',
    });
    expect(result.questions[0]).toMatchObject({ gradedBy: 'auto', points: 2 });
  });

  it('passes at exactly the pass mark and fails just below it', () => {
    const auto = autoGrade(fixture, allRight); // 10 automatic points of 20
    expect(finalizeGrade(fixture, auto, { q5: { points: 2 } })).toMatchObject({
      scorePoints: 12,
      scorePercent: 60,
      passed: true,
    });
    expect(finalizeGrade(fixture, auto, { q5: { points: 1.98 } })).toMatchObject({
      scorePoints: 11.98,
      scorePercent: 59.9,
      passed: false,
    });
    // The verdict follows the rounded percent the recruiter sees.
    expect(finalizeGrade(fixture, auto, { q5: { points: 1.99 } })).toMatchObject({
      scorePercent: 60,
      passed: true,
    });
  });

  it('passes everyone with a 0 % pass mark and only a perfect score with 100 %', () => {
    const zero = TestDefinition.parse({ ...fixtureCopy(), passMarkPercent: 0 });
    expect(finalizeGrade(zero, autoGrade(zero, {})).passed).toBe(true);
    const hundred = TestDefinition.parse({ ...fixtureCopy(), passMarkPercent: 100 });
    const auto = autoGrade(hundred, allRight);
    expect(finalizeGrade(hundred, auto, { q5: { points: 10 } }).passed).toBe(true);
    expect(finalizeGrade(hundred, auto, { q5: { points: 9.9 } }).passed).toBe(false);
  });

  it('refuses missing, out-of-range and misplaced grader scores, naming the question', () => {
    const auto = autoGrade(fixture, allRight);
    const error = (scores: Parameters<typeof finalizeGrade>[2]) => {
      try {
        finalizeGrade(fixture, auto, scores);
      } catch (err) {
        expect(err).toBeInstanceOf(GradingError);
        return (err as GradingError).message;
      }
      throw new Error('expected a GradingError');
    };
    expect(error({})).toBe("q5: question q5 awaits the grader's points");
    expect(error({ q5: { points: 11 } })).toBe('q5.points: must be between 0 and 10');
    expect(error({ q5: { points: -1 } })).toBe('q5.points: must be between 0 and 10');
    expect(error({ q5: { points: 5 }, q1: { points: 2 } })).toBe('q1: question q1 is graded automatically');
    expect(error({ q5: { points: 5 }, q9: { points: 2 } })).toBe('q9: there is no question q9 in the test');
    const unanswered = autoGrade(fixture, {});
    expect(() => finalizeGrade(fixture, unanswered, { q5: { points: 1 } })).toThrow(
      'q5: question q5 was not answered and scores 0 without a grader',
    );
  });

  it('offers the grader form as a schema with field paths', () => {
    const auto = autoGrade(fixture, allRight);
    const schema = graderScoresSchemaFor(fixture, auto);
    expect(schema.safeParse({ q5: { points: 4, comment: 'ok' } }).success).toBe(true);
    const bad = schema.safeParse({ q5: { points: 40 } });
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['q5', 'points'],
      message: 'must be between 0 and 10',
    });
    const wrongType = schema.safeParse({ q5: { points: 'four' } });
    expect(wrongType.error?.issues[0]?.path).toEqual(['q5', 'points']);
  });
});

describe('parseAnswers', () => {
  it('accepts answers of the right shapes and numeric text', () => {
    expect(parseAnswers(fixture, { q1: 'b', q2: ['a'], q3: ' 10.25 ', q4: [], q5: 'text' })).toEqual({
      success: true,
      answers: { q1: 'b', q2: ['a'], q3: 10.25, q4: [], q5: 'text' },
    });
    expect(parseAnswers(fixture, { q1: null })).toEqual({ success: true, answers: { q1: null } });
    expect(parseAnswers(fixture, {})).toEqual({ success: true, answers: {} });
  });

  it.each([
    [{ q9: 'a' }, 'q9', 'q9: there is no question q9 in test fixture-test'],
    [{ q1: 'z' }, 'q1', 'q1: question q1 has no option z'],
    [{ q1: ['b'] }, 'q1', 'q1: must be the id of one option (a string)'],
    [{ q2: 'a' }, 'q2', 'q2: must be a list of option ids (strings)'],
    [{ q2: ['a', 'zz'] }, 'q2.1', 'q2.1: question q2 has no option zz'],
    [{ q2: ['a', 'a'] }, 'q2.1', 'q2.1: option a is chosen twice'],
    [{ q3: 'ten' }, 'q3', 'q3: must be a number'],
    [{ q3: [10] }, 'q3', 'q3: must be a number'],
    [{ q5: 42 }, 'q5', 'q5: must be text (a string)'],
    [{ q5: 'x'.repeat(10_001) }, 'q5', 'q5: must be at most 10000 characters (got 10001)'],
    [['b'], 'answers', 'answers: Invalid input: expected record, received array'],
  ])('refuses %j naming %s', (input, field, message) => {
    expect(parseAnswers(fixture, input)).toEqual({ success: false, field, message });
  });
});

describe('roundTo', () => {
  it('rounds half up without binary noise', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(0.1 + 0.2, 2)).toBe(0.3);
    expect(roundTo(79.1666, 1)).toBe(79.2);
    expect(roundTo(59.95, 1)).toBe(60);
    expect(roundTo(2 / 3, 2)).toBe(0.67);
  });
});
