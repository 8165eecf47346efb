import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  aggregateRatings,
  ReferenceCheckReportInput,
  renderReferenceCheckReport,
} from '../../reports/index.js';
import { referenceInput } from './fixtures.js';
import { extractText, isPdf, pageCount } from './pdf-text.js';

const render = (input: ReferenceCheckReportInput) => renderReferenceCheckReport(input, { compress: false });

describe('renderReferenceCheckReport', () => {
  it('contains status, referees, ratings chart values, signals, declined referees and timeline', async () => {
    const pdf = await render(referenceInput);
    expect(isPdf(pdf)).toBe(true);
    // PDF.js reads wrapped lines and the gaps between text runs as single spaces.
    const text = (await extractText(pdf)).replace(/\s+/g, ' ');
    for (const s of [
      'Reference check report',
      'Łukasz Żółć', // as written (reports/pdf/fonts.ts)
      'Engineering references v2',
      'PARTIAL',
      '2 of 3 referees answered  |  1 declined  |  1 answered late  |  1 signal for review',
      'Technical skill',
      '4.5 / 5  (n=2)',
      '2.5 / 5  (n=2)',
      '5.0 / 5  (n=1)',
      'Ada Lovelace',
      'Former manager, Analytical Engines Ltd',
      'Иван Петров', // as written
      'shared-ip: The reference was submitted from the same IP address the candidate used to nominate referees.',
      'not conclusions',
      'Charles Babbage',
      'Declined to give a reference',
      'Reason given: Did not work closely enough with the candidate.',
      'Give them hard problems and room to think.',
      'Иван Петров answered (late)',
      'Reference check completed',
      '19 Nov 2025, 16:00 UTC',
    ]) {
      expect(text).toContain(s.replace(/\s+/g, ' '));
    }
    expect(text).toMatch(/Answered on 26 Nov 2025, 18:00 UTC - late/);
  });

  it('aggregates the mean rating per question over answering referees only', () => {
    const data = ReferenceCheckReportInput.parse(referenceInput);
    expect(aggregateRatings(data)).toEqual([
      { questionId: 'q1', text: 'Technical skill', mean: 4.5, count: 2 },
      { questionId: 'q2', text: 'Collaboration', mean: 2.5, count: 2 },
      { questionId: 'q3', text: 'Reliability', mean: 5, count: 1 },
    ]);
  });

  it('is byte-for-byte deterministic', async () => {
    const a = await renderReferenceCheckReport(referenceInput);
    const b = await renderReferenceCheckReport(structuredClone(referenceInput));
    expect(a.equals(b)).toBe(true);
  });

  it('renders a complete check with no signals, no rating questions and no referees', async () => {
    const text = await extractText(
      await render({
        ...referenceInput,
        status: 'complete',
        questions: [{ id: 'q', text: 'Anything else?', kind: 'text' }],
        referees: [],
      }),
    );
    expect(text).toContain('COMPLETE');
    expect(text).toContain('This questionnaire has no rating questions.');
    expect(text).toContain('No signals were recorded.');
    expect(text).toContain('No referees were nominated.');
  });

  it('shows "no ratings" for a rating question nobody answered', async () => {
    const text = await extractText(
      await render({
        ...referenceInput,
        questions: [...referenceInput.questions, { id: 'q5', text: 'Leadership', kind: 'rating' }],
      }),
    );
    expect(text).toContain('no ratings');
  });

  it('breaks long answers over pages', async () => {
    const long =
      'They consistently shipped on time and mentored the team through a difficult migration. '.repeat(120);
    const referees = referenceInput.referees.map((r) => ({
      ...r,
      answers: (r.answers ?? []).map((a) => (a.text ? { ...a, text: long } : a)),
    }));
    const pdf = await render({ ...referenceInput, referees });
    expect(pageCount(pdf)).toBeGreaterThan(2);
  });

  it('rejects answers to unknown questions and ratings off the scale', async () => {
    const referee = referenceInput.referees[0]!;
    const unknown = render({
      ...referenceInput,
      referees: [{ ...referee, answers: [{ questionId: 'nope', rating: 3 }] }],
    });
    await expect(unknown).rejects.toBeInstanceOf(ZodError);
    await expect(unknown).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ['referees', 0, 'answers', 0, 'questionId'] })],
    });

    const offScale = render({
      ...referenceInput,
      referees: [{ ...referee, answers: [{ questionId: 'q1', rating: 9 }] }],
    });
    await expect(offScale).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ['referees', 0, 'answers', 0, 'rating'] })],
    });

    const badStatus = render({ ...referenceInput, status: 'done' as 'complete' });
    await expect(badStatus).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ['status'] })],
    });
  });
});
