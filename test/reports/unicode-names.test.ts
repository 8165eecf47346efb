import { describe, expect, it } from 'vitest';
import { renderAssessmentReport } from '../../reports/index.js';
import { assessmentInput } from './fixtures.js';
import { extractText } from './pdf-text.js';

// Issue 18 item 6: names as written. Each name is rendered into a real (compressed) report, read
// back through PDF.js and compared; the embedded fonts are subsets, so the file stays small.
describe('report names in every script', () => {
  const names = [
    '王伟 Łukasz Żółć', // CJK fallback and Latin diacritics in one line
    'Nguyễn Thị Minh Khai', // stacked Vietnamese diacritics
    'Ærøskøbing Şahin Ğüneş',
    'Дмитрий Шостакович',
    'Γιώργος Παπαδόπουλος',
    'محمد', // right to left, shaped (joining forms)
    'דוד', // right to left
    '山田 はなこ',
  ];

  it.each(names)('reads back %s exactly', async (name) => {
    const pdf = await renderAssessmentReport({ ...assessmentInput, candidate: { name } });
    const text = await extractText(pdf);
    // Title line and footer both carry the name.
    expect(text.split('\n')).toContain(name);
    expect(text).toContain(`| ${name} |`);
  });

  it('embeds subset fonts instead of the standard Helvetica, and stays small', async () => {
    const plain = await renderAssessmentReport(assessmentInput);
    const all = await renderAssessmentReport({
      ...assessmentInput,
      candidate: { name: '王伟 Łukasz Żółć' },
      gradedBy: ['Дмитрий', 'Γιώργος', 'محمد', 'דוד'],
    });
    const text = await extractText(all);
    for (const name of ['王伟 Łukasz Żółć', 'Дмитрий', 'Γιώργος', 'محمد', 'דוד'])
      expect(text).toContain(name);
    for (const pdf of [plain, all]) {
      const source = pdf.toString('latin1');
      expect(source).not.toMatch(/\/BaseFont \/Helvetica/);
      // Subset tags ("ABCDEF+NotoSans-Bold"): only the glyphs used are embedded.
      expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSans-Regular/);
    }
    expect(all.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansHans/);
    expect(all.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoNaskhArabic/);
    expect(all.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansHebrew/);
    // The source fonts weigh 0.6 MB (Noto Sans) and 8 MB (Noto Sans SC) each.
    expect(plain.length).toBeLessThan(60_000);
    expect(all.length).toBeLessThan(120_000);
    console.info(`report sizes: Latin only ${plain.length} B, five scripts ${all.length} B`);
  });
});
