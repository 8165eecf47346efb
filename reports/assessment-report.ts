import { AssessmentReportInput, type AssessmentReportData } from './assessment-input.js';
import { RenderOptions } from './fields.js';
import { formatMinutes, formatNumber, formatPercent, formatUtc, minutesBetween } from './format.js';
import { renderReport } from './frame.js';
import { drawBarChart } from './pdf/bar-chart.js';
import { FONT, type Layout } from './pdf/layout.js';

/**
 * Renders the assessment result PDF uploaded to Greenhouse. Throws a ZodError for invalid input.
 * Identical input (including `generatedAt`) gives identical bytes.
 */
export async function renderAssessmentReport(
  input: AssessmentReportInput,
  options: RenderOptions = {},
): Promise<Buffer> {
  const data = AssessmentReportInput.parse(input);
  const { compress } = RenderOptions.parse(options);
  return renderReport(
    data,
    {
      name: 'Assessment report',
      title: `Assessment report: ${data.candidate.name}, ${data.test.name}`,
      subject: `${data.test.name} (version ${data.test.version})`,
      subtitle: `${data.test.name}  |  version ${data.test.version}`,
      compress,
    },
    (layout) => {
      summary(layout, data);
      sections(layout, data);
      freeText(layout, data);
      timing(layout, data);
    },
  );
}

function summary(layout: Layout, data: AssessmentReportData): void {
  const { doc, theme } = layout;
  const { points, maxPoints, passMarkPercent } = data.score;
  const fraction = points / maxPoints;
  layout.summaryBox(64, (y) => {
    doc
      .font(FONT.regular)
      .fontSize(9)
      .fillColor(theme.muted)
      .text('OVERALL SCORE', layout.left + 18, y + 10, { lineBreak: false });
    doc.font(FONT.bold).fontSize(22).fillColor(theme.text);
    const pct = formatPercent(fraction);
    doc.text(pct, layout.left + 18, y + 24, { lineBreak: false });
    const pctW = doc.widthOfString(pct);
    doc.font(FONT.regular).fontSize(11).fillColor(theme.muted);
    doc.text(
      `${formatNumber(points)} of ${formatNumber(maxPoints)} points`,
      layout.left + 28 + pctW,
      y + 33,
      {
        lineBreak: false,
      },
    );

    const right = layout.left + layout.width - 18;
    if (passMarkPercent === undefined) {
      doc.font(FONT.regular).fontSize(10).fillColor(theme.muted);
      doc.text('No pass mark set', right - 150, y + 26, { width: 150, align: 'right', lineBreak: false });
    } else {
      // Compare in points: avoids float artefacts deciding a result exactly on the pass mark.
      const passed = points * 100 >= passMarkPercent * maxPoints;
      const label = passed ? 'PASSED' : 'NOT PASSED';
      doc.font(FONT.bold).fontSize(10);
      const w = doc.widthOfString(label) + 16;
      layout.badge(label, right - w, y + 14, passed ? theme.good : theme.bad);
      doc.font(FONT.regular).fontSize(9).fillColor(theme.muted);
      doc.text(`Pass mark ${formatNumber(passMarkPercent, 1)}%`, right - 150, y + 40, {
        width: 150,
        align: 'right',
        lineBreak: false,
      });
    }
  });
}

function sections(layout: Layout, data: AssessmentReportData): void {
  layout.heading('Score by section');
  if (data.sections.length === 0) {
    layout.paragraph('This test has no scored sections.', { color: layout.theme.muted });
    return;
  }
  drawBarChart(
    layout,
    data.sections.map((s) => ({
      label: s.name,
      value: (s.points / s.maxPoints) * 100,
      valueLabel: `${formatNumber(s.points)}/${formatNumber(s.maxPoints)} (${formatPercent(s.points / s.maxPoints)})`,
    })),
    {
      domain: [0, 100],
      ticks: [0, 25, 50, 75, 100],
      tickLabel: (v) => `${v}%`,
      ...(data.score.passMarkPercent !== undefined
        ? {
            marker: {
              value: data.score.passMarkPercent,
              label: `- - pass mark ${formatNumber(data.score.passMarkPercent, 1)}%`,
            },
          }
        : {}),
    },
  );
}

function freeText(layout: Layout, data: AssessmentReportData): void {
  if (data.freeTextAnswers.length === 0) return;
  const { doc, theme } = layout;
  layout.heading('Free-text answers');
  data.freeTextAnswers.forEach((a, i) => {
    layout.ensureSpace(70);
    layout.paragraph(`Question ${i + 1}. ${a.question}`, { font: FONT.bold });
    layout.gap(3);
    layout.paragraph(a.answer.trim() === '' ? '(no answer given)' : a.answer, {
      indent: 10,
      color: a.answer.trim() === '' ? theme.muted : theme.text,
    });
    layout.gap(3);
    const by = a.gradedBy ? ` by ${a.gradedBy}` : '';
    layout.paragraph(`Points: ${formatNumber(a.points)} of ${formatNumber(a.maxPoints)}${by}`, {
      font: FONT.bold,
      size: 9,
      color: theme.primary,
      indent: 10,
    });
    if (a.graderComment)
      layout.paragraph(`Grader comment: ${a.graderComment}`, {
        font: FONT.italic,
        size: 9,
        color: theme.muted,
        indent: 10,
      });
    layout.gap(10);
  });
  doc.x = layout.left;
}

function timing(layout: Layout, data: AssessmentReportData): void {
  const t = data.timing;
  layout.heading('Timing and grading');
  const used = t.startedAt && t.submittedAt ? minutesBetween(t.startedAt, t.submittedAt) : undefined;
  const usedText =
    used === undefined
      ? 'Not available'
      : t.timeLimitMinutes
        ? `${formatMinutes(used)} of ${formatMinutes(t.timeLimitMinutes)} allowed${used > t.timeLimitMinutes ? ' (over the limit)' : ''}`
        : `${formatMinutes(used)} (no time limit)`;
  layout.keyValues([
    ['Invited', formatUtc(t.invitedAt)],
    ['Started', t.startedAt ? formatUtc(t.startedAt) : 'Not started'],
    ['Submitted', t.submittedAt ? formatUtc(t.submittedAt) : 'Not submitted'],
    ['Time used', usedText],
    ['Graded by', data.gradedBy.length ? data.gradedBy.join(', ') : 'Automatic scoring'],
    ['Report generated', formatUtc(data.generatedAt)],
  ]);
}
