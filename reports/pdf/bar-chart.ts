import { FONT, fitText, wrapLines, type Layout } from './layout.js';
import { toPdfText } from './text.js';

export interface Bar {
  label: string;
  value: number;
  /** Shown right of the bar, so the chart is readable without estimating bar lengths. */
  valueLabel: string;
}

export interface BarChartOptions {
  domain: [min: number, max: number];
  ticks: number[];
  tickLabel: (value: number) => string;
  /** Optional reference line, e.g. the pass mark. */
  marker?: { value: number; label: string };
  labelWidth?: number;
  valueWidth?: number;
}

const ROW = 22;
const LINE = 10.5;
const BAR = 12;
const HEADER = 16;

/** Horizontal bar chart drawn with vector primitives. Rows break across pages with the axis repeated. */
export function drawBarChart(layout: Layout, bars: Bar[], options: BarChartOptions): void {
  const { doc, theme } = layout;
  const labelWidth = options.labelWidth ?? 150;
  const valueWidth = options.valueWidth ?? 100;
  const trackX = layout.left + labelWidth + 8;
  const trackW = layout.width - labelWidth - valueWidth - 16;
  const [d0, d1] = options.domain;
  const xOf = (v: number): number => trackX + ((Math.min(Math.max(v, d0), d1) - d0) / (d1 - d0)) * trackW;

  const axis = (): void => {
    const y = doc.y;
    doc.font(FONT.regular).fontSize(7).fillColor(theme.muted);
    for (const t of options.ticks) {
      const label = options.tickLabel(t);
      const w = doc.widthOfString(label);
      doc.text(label, Math.min(xOf(t) - w / 2, trackX + trackW - w), y, { lineBreak: false });
    }
    if (options.marker) {
      doc.font(FONT.bold).fillColor(theme.text);
      const m = toPdfText(options.marker.label);
      doc.text(m, trackX + trackW + 8, y, { width: valueWidth, lineBreak: false });
    }
    doc.y = y + HEADER;
  };

  layout.ensureSpace(HEADER + ROW);
  axis();
  for (const bar of bars) {
    // Long labels wrap to two lines (then ellipsis) and make their row taller.
    doc.font(FONT.regular).fontSize(9);
    const labelLines = wrapLines(doc, toPdfText(bar.label), labelWidth, 2);
    const rowH = Math.max(ROW, labelLines.length * LINE + 8);
    if (layout.ensureSpace(rowH)) axis();
    const y = doc.y;
    const barY = y + (rowH - BAR) / 2;
    doc.save();
    for (const t of options.ticks) {
      doc
        .moveTo(xOf(t), y)
        .lineTo(xOf(t), y + rowH)
        .lineWidth(0.5)
        .strokeColor(theme.border)
        .stroke();
    }
    doc.rect(trackX, barY, trackW, BAR).fill(theme.track);
    const fillW = xOf(bar.value) - trackX;
    if (fillW > 0) doc.rect(trackX, barY, fillW, BAR).fill(theme.primary);
    if (options.marker) {
      const mx = xOf(options.marker.value);
      doc
        .moveTo(mx, y)
        .lineTo(mx, y + rowH)
        .lineWidth(1.2)
        .dash(2, { space: 2 })
        .strokeColor(theme.text)
        .stroke()
        .undash();
    }
    doc.restore();

    doc.font(FONT.regular).fontSize(9).fillColor(theme.text);
    const labelTop = y + (rowH - labelLines.length * LINE) / 2 + 1;
    labelLines.forEach((line, i) => doc.text(line, layout.left, labelTop + i * LINE, { lineBreak: false }));
    const value = fitText(doc.font(FONT.bold), toPdfText(bar.valueLabel), valueWidth);
    doc.text(value, trackX + trackW + 8, y + rowH / 2 - 3.5, { lineBreak: false });
    doc.y = y + rowH;
  }
  doc.x = layout.left;
  doc.fillColor(theme.text);
  layout.gap(8);
}
