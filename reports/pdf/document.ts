import PDFDocument from 'pdfkit';
import { FONT } from './fonts.js';
import { useReportFonts } from './unicode-text.js';

export interface PdfDocumentOptions {
  title: string;
  author: string;
  subject: string;
  /** CreationDate and ModDate. pdfkit derives the trailer /ID from these, so fixed dates = fixed bytes. */
  generatedAt: Date;
  compress: boolean;
}

export interface PdfHandle {
  doc: PDFKit.PDFDocument;
  /** Ends the document and resolves with the complete file. */
  finish(): Promise<Buffer>;
}

export const PAGE = { size: 'A4' as const, width: 595.28, height: 841.89, margin: 50 };

export function createPdf(options: PdfDocumentOptions): PdfHandle {
  const doc = new PDFDocument({
    size: PAGE.size,
    margin: PAGE.margin,
    compress: options.compress,
    // Footers ("Page x of y") are drawn after layout, which needs every page kept in memory.
    bufferPages: true,
    info: {
      Title: options.title,
      Author: options.author,
      Subject: options.subject,
      Creator: 'greenroom',
      CreationDate: options.generatedAt,
      ModDate: options.generatedAt,
    },
  });
  // Names as written: Unicode fonts with per-script fallback instead of the standard Helvetica.
  useReportFonts(doc);
  doc.font(FONT.regular);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return {
    doc,
    finish() {
      doc.end();
      return done;
    },
  };
}
