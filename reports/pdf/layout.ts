import { PAGE } from './document.js';
import { FONT } from './fonts.js';
import { toPdfText } from './text.js';

export interface Theme {
  primary: string;
  accent: string;
  onPrimary: string;
  text: string;
  muted: string;
  border: string;
  track: string;
  good: string;
  bad: string;
  warn: string;
}

export function themeFor(branding: { primaryColor: string; accentColor?: string | undefined }): Theme {
  return {
    primary: branding.primaryColor,
    accent: branding.accentColor ?? branding.primaryColor,
    onPrimary: readableOn(branding.primaryColor),
    text: '#111827',
    muted: '#6B7280',
    border: '#D1D5DB',
    track: '#EEF0F3',
    good: '#15803D',
    bad: '#B91C1C',
    warn: '#B45309',
  };
}

function readableOn(hex: string): string {
  const body = hex.length === 4 ? [...hex.slice(1)].map((c) => c + c).join('') : hex.slice(1);
  const lin = (i: number): number => {
    const c = parseInt(body.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
  return 1.05 / (l + 0.05) >= 4.5 || 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#FFFFFF' : '#111827';
}

export { FONT };

/**
 * Flow-layout helpers over one pdfkit document: everything is placed at `doc.y` and moves it
 * down, with explicit page breaks before blocks that must not be split.
 */
export class Layout {
  readonly left = PAGE.margin;
  readonly width = PAGE.width - 2 * PAGE.margin;
  readonly bottom = PAGE.height - PAGE.margin;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly theme: Theme,
  ) {
    // Continuation pages get a thin brand strip; pdfkit adds pages itself when text overflows.
    doc.on('pageAdded', () => {
      doc.save().rect(0, 0, PAGE.width, 8).fill(this.theme.primary).restore();
      doc.fillColor(this.theme.text).font(FONT.regular).fontSize(10);
      doc.x = this.left;
      doc.y = PAGE.margin;
    });
  }

  /** Starts a new page unless `height` points still fit above the bottom margin. */
  ensureSpace(height: number): boolean {
    if (this.doc.y + height <= this.bottom) return false;
    this.doc.addPage();
    return true;
  }

  gap(points: number): void {
    this.doc.y += points;
  }

  /** Brand band with company name and report title, first page only. */
  banner(company: string, title: string): void {
    const { doc, theme } = this;
    const h = 78;
    doc
      .save()
      .rect(0, 0, PAGE.width, h)
      .fill(theme.primary)
      .rect(0, h, PAGE.width, 4)
      .fill(theme.accent)
      .restore();
    doc.fillColor(theme.onPrimary).font(FONT.bold).fontSize(20);
    doc.text(fitText(doc, toPdfText(company), this.width), this.left, 20, { lineBreak: false });
    doc
      .font(FONT.regular)
      .fontSize(11)
      .text(toPdfText(title), this.left, 47, { width: this.width, lineBreak: false });
    doc.fillColor(theme.text);
    doc.x = this.left;
    doc.y = h + 24;
  }

  title(text: string, subtitle?: string): void {
    const { doc } = this;
    doc.font(FONT.bold).fontSize(18).fillColor(this.theme.text);
    doc.text(toPdfText(text), this.left, doc.y, { width: this.width });
    if (subtitle) {
      doc.moveDown(0.2).font(FONT.regular).fontSize(11).fillColor(this.theme.muted);
      doc.text(toPdfText(subtitle), this.left, doc.y, { width: this.width });
    }
    doc.fillColor(this.theme.text);
    this.gap(14);
  }

  heading(text: string): void {
    const { doc, theme } = this;
    this.ensureSpace(60); // a heading alone at the foot of a page reads badly
    this.gap(6);
    doc.font(FONT.bold).fontSize(13).fillColor(theme.primary);
    doc.text(toPdfText(text), this.left, doc.y, { width: this.width });
    const y = doc.y + 3;
    doc
      .save()
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(1)
      .strokeColor(theme.border)
      .stroke()
      .restore();
    doc.fillColor(theme.text);
    doc.y = y + 8;
  }

  paragraph(
    text: string,
    opts: { font?: string; size?: number; color?: string; indent?: number } = {},
  ): void {
    const { doc } = this;
    const indent = opts.indent ?? 0;
    doc
      .font(opts.font ?? FONT.regular)
      .fontSize(opts.size ?? 10)
      .fillColor(opts.color ?? this.theme.text);
    this.ensureSpace(doc.currentLineHeight(true) + 2);
    doc.text(toPdfText(text), this.left + indent, doc.y, { width: this.width - indent, lineGap: 1.5 });
    doc.fillColor(this.theme.text);
  }

  /** Two-column label/value rows; a row is never split across pages. */
  keyValues(rows: [label: string, value: string][], labelWidth = 130): void {
    const { doc, theme } = this;
    const valueWidth = this.width - labelWidth - 10;
    for (const [label, value] of rows) {
      doc.font(FONT.regular).fontSize(10);
      const v = toPdfText(value);
      const h = Math.max(doc.heightOfString(v, { width: valueWidth }), doc.currentLineHeight(true)) + 5;
      this.ensureSpace(h);
      const y = doc.y;
      doc.fillColor(theme.muted).text(toPdfText(label), this.left, y, { width: labelWidth });
      doc.fillColor(theme.text).text(v, this.left + labelWidth + 10, y, { width: valueWidth });
      doc.y = y + h;
    }
    doc.x = this.left;
  }

  /**
   * The box a report's summary stands in: bordered, with a brand bar at its left edge, `height`
   * points tall and kept on one page. `draw` fills it from its top `y`; the flow goes on below it.
   */
  summaryBox(height: number, draw: (y: number) => void): void {
    const { doc, theme } = this;
    this.ensureSpace(height + 10);
    const y = doc.y;
    doc
      .save()
      .roundedRect(this.left, y, this.width, height, 6)
      .lineWidth(1)
      .strokeColor(theme.border)
      .stroke()
      .restore();
    doc.save().rect(this.left, y, 5, height).fill(theme.primary).restore();
    draw(y);
    doc.fillColor(theme.text);
    doc.x = this.left;
    doc.y = y + height + 6;
  }

  /** Small filled label, e.g. PASSED / NOT PASSED. Returns its width. */
  badge(text: string, x: number, y: number, color: string): number {
    const { doc } = this;
    doc.font(FONT.bold).fontSize(10);
    const t = toPdfText(text);
    const w = doc.widthOfString(t) + 16;
    doc.save().roundedRect(x, y, w, 18, 4).fill(color).restore();
    doc.fillColor('#FFFFFF').text(t, x + 8, y + 5, { lineBreak: false });
    doc.fillColor(this.theme.text);
    return w;
  }

  /** Page footers on every buffered page; call once, right before finishing. */
  footers(left: string): void {
    const { doc, theme } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Writing below the bottom margin would make pdfkit add a page; lift the margin briefly.
      const margin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const y = PAGE.height - 34;
      doc
        .save()
        .moveTo(this.left, y - 6)
        .lineTo(this.left + this.width, y - 6)
        .lineWidth(0.5)
        .strokeColor(theme.border)
        .stroke()
        .restore();
      doc.font(FONT.regular).fontSize(8).fillColor(theme.muted);
      doc.text(fitText(doc, toPdfText(left), this.width - 90), this.left, y, { lineBreak: false });
      doc.text(`Page ${i - range.start + 1} of ${range.count}`, this.left + this.width - 80, y, {
        width: 80,
        align: 'right',
        lineBreak: false,
      });
      doc.page.margins.bottom = margin;
    }
  }
}

/** Cuts `text` with an ellipsis so it fits `width` at the current font (`force`: always end in one). */
export function fitText(doc: PDFKit.PDFDocument, text: string, width: number, force = false): string {
  if (!force && doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(text.slice(0, mid) + '...') <= width) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo).trimEnd() + '...';
}

/** Greedy word wrap into at most `maxLines` lines at the current font; cut text ends in "...". */
export function wrapLines(doc: PDFKit.PDFDocument, text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (!current || doc.widthOfString(candidate) <= width) {
      current = candidate;
      continue;
    }
    lines.push(current);
    current = word;
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines.map((l) => fitText(doc, l, width));
  const kept = lines.slice(0, maxLines);
  const last = kept.pop() ?? '';
  return [...kept.map((l) => fitText(doc, l, width)), fitText(doc, last, width, true)];
}
