import { RenderOptions } from './fields.js';
import { formatNumber, formatUtc } from './format.js';
import { renderReport } from './frame.js';
import { drawBarChart } from './pdf/bar-chart.js';
import { FONT, type Layout } from './pdf/layout.js';
import { ReferenceCheckReportInput, type ReferenceCheckReportData } from './reference-check-input.js';

type Data = ReferenceCheckReportData;
type RefereeData = Data['referees'][number];

/** Mean rating per rating question over the referees who gave one. Pure, exported for tests. */
export function aggregateRatings(
  data: Pick<Data, 'questions' | 'referees'>,
): { questionId: string; text: string; mean: number | null; count: number }[] {
  return data.questions
    .filter((q) => q.kind === 'rating')
    .map((q) => {
      const ratings = data.referees.flatMap((r) =>
        r.status === 'answered'
          ? r.answers
              .filter((a) => a.questionId === q.id && a.rating !== undefined)
              .map((a) => a.rating as number)
          : [],
      );
      const mean = ratings.length ? ratings.reduce((s, v) => s + v, 0) / ratings.length : null;
      return { questionId: q.id, text: q.text, mean, count: ratings.length };
    });
}

export const isLate = (r: Pick<RefereeData, 'answeredAt' | 'dueAt'>): boolean =>
  r.answeredAt !== undefined && r.dueAt !== undefined && Date.parse(r.answeredAt) > Date.parse(r.dueAt);

/**
 * Renders the reference-check PDF uploaded to Greenhouse. Fraud signals are listed as
 * observations for a human reviewer; the report deliberately never turns them into a verdict.
 * Throws a ZodError for invalid input; identical input gives identical bytes.
 */
export async function renderReferenceCheckReport(
  input: ReferenceCheckReportInput,
  options: RenderOptions = {},
): Promise<Buffer> {
  const data = ReferenceCheckReportInput.parse(input);
  const { compress } = RenderOptions.parse(options);
  return renderReport(
    data,
    {
      name: 'Reference check report',
      title: `Reference check report: ${data.candidate.name}`,
      subject: data.templateName,
      subtitle: data.templateName,
      compress,
    },
    (layout) => {
      summary(layout, data);
      ratings(layout, data);
      signals(layout, data);
      referees(layout, data);
      timeline(layout, data);
    },
  );
}

function summary(layout: Layout, data: Data): void {
  const { doc, theme } = layout;
  const count = (s: RefereeData['status']): number => data.referees.filter((r) => r.status === s).length;
  const signalCount = data.referees.reduce((n, r) => n + r.fraudSignals.length, 0);
  const late = data.referees.filter(isLate).length;
  const facts = [
    `${count('answered')} of ${data.referees.length} referee${data.referees.length === 1 ? '' : 's'} answered`,
    ...(count('declined') ? [`${count('declined')} declined`] : []),
    ...(count('pending') ? [`${count('pending')} pending`] : []),
    ...(count('expired') ? [`${count('expired')} did not answer in time`] : []),
    ...(late ? [`${late} answered late`] : []),
    `${signalCount} signal${signalCount === 1 ? '' : 's'} for review`,
  ];
  layout.summaryBox(50, (y) => {
    const complete = data.status === 'complete';
    const w = layout.badge(
      complete ? 'COMPLETE' : 'PARTIAL',
      layout.left + 18,
      y + 16,
      complete ? theme.good : theme.warn,
    );
    doc.font(FONT.regular).fontSize(10).fillColor(theme.text);
    doc.text(facts.join('  |  '), layout.left + 28 + w, y + 14, { width: layout.width - 46 - w, lineGap: 2 });
  });
}

function ratings(layout: Layout, data: Data): void {
  const agg = aggregateRatings(data);
  const { min, max, minLabel, maxLabel } = data.ratingScale;
  layout.heading('Ratings across referees (mean)');
  if (agg.length === 0) {
    layout.paragraph('This questionnaire has no rating questions.', { color: layout.theme.muted });
    return;
  }
  const ticks = [...new Set([0, ...Array.from({ length: max - min + 1 }, (_, i) => min + i)])];
  drawBarChart(
    layout,
    agg.map((a) => ({
      label: a.text,
      value: a.mean ?? 0,
      valueLabel: a.mean === null ? 'no ratings' : `${a.mean.toFixed(1)} / ${max}  (n=${a.count})`,
    })),
    { domain: [0, max], ticks, tickLabel: (v) => String(v), labelWidth: 170 },
  );
  const ends =
    minLabel || maxLabel
      ? `: ${min}${minLabel ? ` = ${minLabel}` : ''}, ${max}${maxLabel ? ` = ${maxLabel}` : ''}`
      : '';
  layout.paragraph(`Scale ${min} to ${max}${ends}. n = number of referees who gave a rating.`, {
    size: 8,
    color: layout.theme.muted,
  });
}

function signals(layout: Layout, data: Data): void {
  const { theme } = layout;
  layout.heading('Signals for review');
  layout.paragraph(
    'Automated checks flag patterns that are sometimes linked to unreliable references. They are observations for a reviewer to weigh, not conclusions about the candidate or referee.',
    { size: 9, color: theme.muted },
  );
  layout.gap(6);
  const flagged = data.referees.filter((r) => r.fraudSignals.length > 0);
  if (flagged.length === 0) {
    layout.paragraph('No signals were recorded.');
    return;
  }
  for (const r of flagged) {
    layout.ensureSpace(40);
    layout.paragraph(r.name, { font: FONT.bold });
    for (const s of r.fraudSignals) {
      layout.paragraph(`${s.kind}: ${s.description}`, { indent: 10, color: theme.text });
      layout.gap(2);
    }
    layout.gap(6);
  }
}

function referees(layout: Layout, data: Data): void {
  const { theme } = layout;
  const questions = new Map(data.questions.map((q) => [q.id, q]));
  const { max } = data.ratingScale;
  layout.heading('Referees');
  if (data.referees.length === 0) {
    layout.paragraph('No referees were nominated.', { color: theme.muted });
    return;
  }
  for (const r of data.referees) {
    layout.ensureSpace(80);
    layout.paragraph(r.name, { font: FONT.bold, size: 11 });
    layout.paragraph([r.relationship, r.company].filter(Boolean).join(', '), { color: theme.muted, size: 9 });
    layout.gap(4);
    const status = statusLine(r);
    layout.paragraph(status, {
      size: 9,
      color: r.status === 'answered' ? (isLate(r) ? theme.warn : theme.good) : theme.muted,
      font: FONT.bold,
    });
    layout.gap(4);
    if (r.status === 'declined' && r.declineReason)
      layout.paragraph(`Reason given: ${r.declineReason}`, { indent: 10, size: 9 });

    const rated = r.answers.filter((a) => a.rating !== undefined);
    if (rated.length) {
      layout.keyValues(
        rated.map((a) => [
          questions.get(a.questionId)?.text ?? a.questionId,
          `${formatNumber(a.rating as number)} / ${max}`,
        ]),
        200,
      );
    }
    for (const a of r.answers.filter((x) => x.text !== undefined && x.text.trim() !== '')) {
      layout.gap(3);
      layout.paragraph(questions.get(a.questionId)?.text ?? a.questionId, { font: FONT.bold, size: 9 });
      layout.paragraph(a.text as string, { indent: 10 });
    }
    layout.gap(12);
  }
}

function statusLine(r: RefereeData): string {
  switch (r.status) {
    case 'answered': {
      const when = r.answeredAt ? ` on ${formatUtc(r.answeredAt)}` : '';
      return `Answered${when}${isLate(r) ? ` - late, after the ${formatUtc(r.dueAt as string)} deadline` : ''}`;
    }
    case 'declined':
      return 'Declined to give a reference';
    case 'pending':
      return 'Not answered yet';
    case 'expired':
      return 'Did not answer before the deadline';
  }
}

function timeline(layout: Layout, data: Data): void {
  layout.heading('Timeline');
  const events: { at: string; what: string }[] = [];
  if (data.timeline.nominatedAt)
    events.push({ at: data.timeline.nominatedAt, what: 'Referees nominated by the candidate' });
  if (data.timeline.requestedAt)
    events.push({ at: data.timeline.requestedAt, what: 'Reference requests sent' });
  for (const r of data.referees) {
    if (r.nominatedAt && r.nominatedAt !== data.timeline.nominatedAt)
      events.push({ at: r.nominatedAt, what: `${r.name} nominated` });
    if (r.requestedAt && r.requestedAt !== data.timeline.requestedAt)
      events.push({ at: r.requestedAt, what: `${r.name} asked for a reference` });
    if (r.answeredAt)
      events.push({
        at: r.answeredAt,
        what: `${r.name} ${r.status === 'declined' ? 'declined' : 'answered'}${isLate(r) ? ' (late)' : ''}`,
      });
  }
  if (data.timeline.completedAt)
    events.push({ at: data.timeline.completedAt, what: 'Reference check completed' });
  // Stable sort by time: equal timestamps keep insertion order, so output stays deterministic.
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  layout.keyValues([
    ...events.map((e): [string, string] => [formatUtc(e.at), e.what]),
    [formatUtc(data.generatedAt), 'This report generated'],
  ]);
}
