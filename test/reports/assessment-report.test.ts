import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { renderAssessmentReport, type AssessmentReportInput } from '../../reports/index.js';
import { assessmentInput } from './fixtures.js';
import { extractText, isPdf, pageCount } from './pdf-text.js';

const render = (input: AssessmentReportInput) => renderAssessmentReport(input, { compress: false });

describe('renderAssessmentReport', () => {
  it('returns a PDF buffer (compressed by default)', async () => {
    const pdf = await renderAssessmentReport(assessmentInput);
    expect(Buffer.isBuffer(pdf)).toBe(true);
    expect(isPdf(pdf)).toBe(true);
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
  });

  it('contains candidate, test, score, pass/fail, sections, answers, timing and grader', async () => {
    const pdf = await render(assessmentInput);
    expect(isPdf(pdf)).toBe(true);
    // PDF.js reads wrapped lines and the gaps between text runs as single spaces.
    const flat = (await extractText(pdf)).replace(/\s+/g, ' ');
    for (const s of [
      'Acme Robotics',
      'José Müller',
      'Backend Engineering  |  version 3.2',
      '68%',
      '68 of 100 points',
      'PASSED',
      'Pass mark 60%',
      'Algorithms',
      'System design',
      '18/20 (90%)',
      '0/10 (0%)',
      '30/30 (100%)',
      'Question 1. Explain how you would make a payment webhook handler idempotent.',
      'Points: 8 of 10 by Grace Hopper',
      'Grader comment: Good. Missed ordering of events.',
      '1 h 12 min of 1 h 30 min allowed',
      'Grace Hopper, Automatic scoring',
      '3 Dec 2025, 10:00 UTC',
      'Page 1 of 1',
    ]) {
      expect(flat).toContain(s.replace(/\s+/g, ' '));
    }
    expect(flat).not.toContain('NOT PASSED');
  });

  it('is byte-for-byte deterministic for identical input, compressed or not', async () => {
    const [a, b] = await Promise.all([
      renderAssessmentReport(assessmentInput),
      renderAssessmentReport(structuredClone(assessmentInput)),
    ]);
    expect(a.equals(b)).toBe(true);
    const [c, d] = await Promise.all([render(assessmentInput), render(assessmentInput)]);
    expect(createHash('sha256').update(c).digest('hex')).toBe(createHash('sha256').update(d).digest('hex'));
    const later = await renderAssessmentReport({ ...assessmentInput, generatedAt: '2025-12-04T10:00:00Z' });
    expect(later.equals(a)).toBe(false);
    // pdfkit writes CreationDate/ModDate from generatedAt (never the wall clock).
    expect(a.toString('latin1')).toContain('(D:20251203100000Z)');
  });

  it('handles zero sections, 0% and a failed result', async () => {
    const text = await extractText(
      await render({
        ...assessmentInput,
        sections: [],
        freeTextAnswers: [],
        score: { points: 0, maxPoints: 40, passMarkPercent: 50 },
      }),
    );
    expect(text).toContain('This test has no scored sections.');
    expect(text).toContain('0%');
    expect(text).toContain('0 of 40 points');
    expect(text).toContain('NOT PASSED');
  });

  it('handles 100%, exactly-on-the-pass-mark and no pass mark', async () => {
    const full = await extractText(
      await render({ ...assessmentInput, score: { points: 100, maxPoints: 100 } }),
    );
    expect(full).toContain('100%');
    expect(full).toContain('No pass mark set');
    const edge = await extractText(
      await render({ ...assessmentInput, score: { points: 7, maxPoints: 10, passMarkPercent: 70 } }),
    );
    expect(edge).toContain('PASSED');
    expect(edge).not.toContain('NOT PASSED');
  });

  it('breaks long content over several pages with page numbers', async () => {
    const long = 'This answer goes on at length about trade-offs, failure modes and operations. '.repeat(40);
    const pdf = await render({
      ...assessmentInput,
      sections: Array.from({ length: 45 }, (_, i) => ({
        name: `Section ${i + 1} with a rather long descriptive name`,
        points: i % 11,
        maxPoints: 10,
      })),
      freeTextAnswers: Array.from({ length: 8 }, (_, i) => ({
        question: `Question about topic ${i + 1}?`,
        answer: long,
        points: 3,
        maxPoints: 5,
      })),
    });
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(3);
    const text = await extractText(pdf);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    // Chart labels wrap onto a second line.
    expect(text).toContain('Section 45 with a rather long\ndescriptive name');
    // Axis is repeated on the continuation page of the chart.
    expect(text.match(/^0% 25% 50% 75% 100%/gm)?.length ?? 0).toBeGreaterThan(1);
  });

  it('cuts chart labels longer than two lines with an ellipsis', async () => {
    const name = 'An extremely long section name that keeps going well beyond two lines of the label column';
    const text = await extractText(
      await render({ ...assessmentInput, sections: [{ name, points: 5, maxPoints: 10 }] }),
    );
    expect(text).toMatch(/^An extremely long section name\nthat keeps going .*\.\.\. 5\/10 \(50%\)$/m);
    expect(text).toContain('5/10 (50%)');
  });

  it('keeps a very long company name inside the banner and footer', async () => {
    const companyName =
      'The Extraordinarily Long-Named International Consolidated Robotics and Automation Holding Company';
    const pdf = await render({ ...assessmentInput, branding: { ...assessmentInput.branding, companyName } });
    expect(pageCount(pdf)).toBe(1);
    expect(await extractText(pdf)).toMatch(/^The Extraordinarily Long-Named .*\.\.\.$/m);
  });

  it('shows names as written; emoji, which no report font has, become "?"', async () => {
    const pdf = await render({ ...assessmentInput, candidate: { name: 'Ελένη Иванова 王 😀' } });
    expect(isPdf(pdf)).toBe(true);
    expect(await extractText(pdf)).toContain('Ελένη Иванова 王 ?');
  });

  it('rejects invalid input with a ZodError naming the field', async () => {
    const badColour = renderAssessmentReport({
      ...assessmentInput,
      branding: { ...assessmentInput.branding, primaryColor: 'red' },
    });
    await expect(badColour).rejects.toBeInstanceOf(ZodError);
    await expect(badColour).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ['branding', 'primaryColor'] })],
    });

    const tooMany = renderAssessmentReport({
      ...assessmentInput,
      sections: [{ name: 'A', points: 11, maxPoints: 10 }],
    });
    await expect(tooMany).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ['sections', 0, 'points'] })],
    });

    const overScore = renderAssessmentReport({ ...assessmentInput, score: { points: 101, maxPoints: 100 } });
    await expect(overScore).rejects.toMatchObject({
      issues: [
        expect.objectContaining({ path: ['score', 'points'], message: 'points must not exceed maxPoints' }),
      ],
    });

    const badDate = renderAssessmentReport({ ...assessmentInput, generatedAt: 'yesterday' });
    await expect(badDate).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: ['generatedAt'] })],
    });
  });
});
