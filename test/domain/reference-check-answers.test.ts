import { describe, expect, it } from 'vitest';
import {
  aggregateRatings,
  parseRefereeAnswers,
  type RefereeAnswers,
} from '../../domain/reference-checks/answers.js';
import { ReferenceCheckTemplate } from '../../domain/reference-checks/template.js';

/** Two required ratings, one optional rating, one optional and one required text question. */
const template = ReferenceCheckTemplate.parse({
  kind: 'reference_check',
  testId: 'refs',
  name: 'References',
  questions: [
    { id: 'quality', kind: 'rating', prompt: 'Quality of work' },
    { id: 'strengths', kind: 'text', prompt: 'Strengths', maxLength: 10 },
    { id: 'teamwork', kind: 'rating', prompt: 'Teamwork' },
    { id: 'leadership', kind: 'rating', prompt: 'Leadership', required: false },
    { id: 'rehire', kind: 'text', prompt: 'Would you hire them again?', required: true },
  ],
  referees: { min: 2, max: 3 },
  nominationDeadlineDays: 5,
  refereeDeadlineDays: 7,
  deadlineDays: 14,
});

const valid = { quality: '4', teamwork: '5', rehire: 'Yes' };

describe('parseRefereeAnswers', () => {
  it('parses form text into ratings and trimmed answers, leaving unanswered optional questions out', () => {
    expect(
      parseRefereeAnswers(template, {
        quality: ' 4 ',
        strengths: '  Careful ',
        teamwork: '5',
        leadership: '',
        rehire: ' Yes ',
      }),
    ).toEqual({ success: true, answers: { quality: 4, strengths: 'Careful', teamwork: 5, rehire: 'Yes' } });
  });

  it('takes numbers too, and null or blank as unanswered', () => {
    expect(
      parseRefereeAnswers(template, {
        quality: 1,
        teamwork: 5,
        leadership: null,
        strengths: '   ',
        rehire: 'No',
      }),
    ).toEqual({ success: true, answers: { quality: 1, teamwork: 5, rehire: 'No' } });
  });

  it('requires required questions, in question order', () => {
    expect(parseRefereeAnswers(template, { strengths: 'x', teamwork: '', rehire: '  ' })).toEqual({
      success: false,
      issues: [
        { questionId: 'quality', message: 'Choose a rating' },
        { questionId: 'teamwork', message: 'Choose a rating' },
        { questionId: 'rehire', message: 'This answer is required' },
      ],
    });
  });

  it('takes whole ratings within the scale, edges included', () => {
    const rate = (quality: unknown) => parseRefereeAnswers(template, { ...valid, quality });
    expect(rate('1')).toMatchObject({ success: true, answers: { quality: 1 } });
    expect(rate(5)).toMatchObject({ success: true, answers: { quality: 5 } });
    expect(rate('+3')).toMatchObject({ success: true, answers: { quality: 3 } });
    for (const wrong of [
      '0',
      '6',
      0,
      6,
      '3.5',
      3.5,
      '4.0',
      'four',
      '4a',
      '1e0',
      NaN,
      Infinity,
      true,
      ['4'],
      { n: 4 },
    ]) {
      expect(rate(wrong), String(wrong)).toEqual({
        success: false,
        issues: [{ questionId: 'quality', message: 'Choose a rating from 1 to 5' }],
      });
    }
  });

  it('follows the template rating scale', () => {
    const zeroToTen = ReferenceCheckTemplate.parse({ ...template, ratingScale: { min: 0, max: 10 } });
    expect(parseRefereeAnswers(zeroToTen, { ...valid, quality: '0', teamwork: '10' })).toMatchObject({
      success: true,
      answers: { quality: 0, teamwork: 10 },
    });
    expect(parseRefereeAnswers(zeroToTen, { ...valid, quality: '11' })).toEqual({
      success: false,
      issues: [{ questionId: 'quality', message: 'Choose a rating from 0 to 10' }],
    });
  });

  it('refuses text over maxLength after trimming, and text that is not text', () => {
    expect(parseRefereeAnswers(template, { ...valid, strengths: ` ${'x'.repeat(10)} ` })).toMatchObject({
      success: true,
      answers: { strengths: 'x'.repeat(10) },
    });
    expect(parseRefereeAnswers(template, { ...valid, strengths: 'x'.repeat(11) })).toEqual({
      success: false,
      issues: [{ questionId: 'strengths', message: 'Keep this answer under 10 characters' }],
    });
    expect(parseRefereeAnswers(template, { ...valid, rehire: 42 })).toEqual({
      success: false,
      issues: [{ questionId: 'rehire', message: 'Enter your answer as text' }],
    });
  });

  it('collects every issue in question order', () => {
    expect(
      parseRefereeAnswers(template, { rehire: '', teamwork: '9', strengths: 'far too long', quality: '' }),
    ).toEqual({
      success: false,
      issues: [
        { questionId: 'quality', message: 'Choose a rating' },
        { questionId: 'strengths', message: 'Keep this answer under 10 characters' },
        { questionId: 'teamwork', message: 'Choose a rating from 1 to 5' },
        { questionId: 'rehire', message: 'This answer is required' },
      ],
    });
  });

  it('ignores and never copies keys that are not question ids', () => {
    const raw = JSON.parse(
      '{"quality":"4","teamwork":"5","rehire":"Yes","__proto__":{"polluted":true},"extra":"x"}',
    );
    const result = parseRefereeAnswers(template, raw);
    expect(result).toEqual({ success: true, answers: { quality: 4, teamwork: 5, rehire: 'Yes' } });
    if (!result.success) throw new Error('expected success');
    expect(Object.keys(result.answers)).toEqual(['quality', 'teamwork', 'rehire']);
    expect(Object.getPrototypeOf(result.answers)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads own keys only, so inherited properties never answer a question', () => {
    const inherits = ReferenceCheckTemplate.parse({
      ...template,
      questions: [
        { id: 'constructor', kind: 'text', prompt: 'Anything else?', required: true },
        { id: 'toString', kind: 'rating', prompt: 'Overall', required: false },
      ],
    });
    expect(parseRefereeAnswers(inherits, {})).toEqual({
      success: false,
      issues: [{ questionId: 'constructor', message: 'This answer is required' }],
    });
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, {
      constructor: 'Fine',
      toString: '3',
    });
    expect(parseRefereeAnswers(inherits, nullPrototype)).toEqual({
      success: true,
      answers: { constructor: 'Fine', toString: 3 },
    });
  });
});

describe('aggregateRatings', () => {
  it('averages each rating question over the referees who rated it, and every rating overall', () => {
    const answers: RefereeAnswers[] = [
      { quality: 4, teamwork: 5, leadership: 3, rehire: 'Yes' },
      { quality: 5, teamwork: 4, rehire: 'Yes' },
      { quality: 4, teamwork: 4, rehire: 'Maybe' },
    ];
    expect(aggregateRatings(template, answers)).toEqual({
      perQuestion: [
        { questionId: 'quality', prompt: 'Quality of work', mean: 4.33, count: 3 },
        { questionId: 'teamwork', prompt: 'Teamwork', mean: 4.33, count: 3 },
        { questionId: 'leadership', prompt: 'Leadership', mean: 3, count: 1 },
      ],
      // (4 + 5 + 3 + 5 + 4 + 4 + 4) / 7 = 29 / 7, not the mean of the question means
      overallMean: 4.14,
    });
  });

  it('rounds half up to 2 decimals', () => {
    const oneQuestion = ReferenceCheckTemplate.parse({
      ...template,
      questions: [{ id: 'q', kind: 'rating', prompt: 'Q' }],
    });
    const ratings = (...values: number[]) => values.map((q) => ({ q }));
    // 8 ratings summing to 29: 3.625 → 3.63
    expect(aggregateRatings(oneQuestion, ratings(4, 4, 4, 4, 4, 4, 3, 2)).overallMean).toBe(3.63);
    expect(aggregateRatings(oneQuestion, ratings(1, 2)).perQuestion[0]!.mean).toBe(1.5);
  });

  it('gives null means when there is nothing to average', () => {
    expect(aggregateRatings(template, [])).toEqual({
      perQuestion: [
        { questionId: 'quality', prompt: 'Quality of work', mean: null, count: 0 },
        { questionId: 'teamwork', prompt: 'Teamwork', mean: null, count: 0 },
        { questionId: 'leadership', prompt: 'Leadership', mean: null, count: 0 },
      ],
      overallMean: null,
    });
    const textOnly = ReferenceCheckTemplate.parse({
      ...template,
      questions: [{ id: 't', kind: 'text', prompt: 'T' }],
    });
    expect(aggregateRatings(textOnly, [{ t: 'Good' }])).toEqual({ perQuestion: [], overallMean: null });
  });

  it('ignores answers to unknown questions and values that are not ratings', () => {
    const result = aggregateRatings(template, [{ quality: 2, stray: 5, teamwork: 'five' }]);
    expect(result.perQuestion.map((q) => [q.questionId, q.mean, q.count])).toEqual([
      ['quality', 2, 1],
      ['teamwork', null, 0],
      ['leadership', null, 0],
    ]);
    expect(result.overallMean).toBe(2);
  });
});
