import PDFDocument from 'pdfkit';
import type { VendorResult } from '../vendor-client/index.js';

/** The report greenroom attaches in Greenhouse: a one-page PDF of the result. */
export function reportPdf(args: {
  candidate: string;
  packageName: string;
  result: VendorResult;
}): Promise<Buffer> {
  const { result } = args;
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `${args.packageName}: report` } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).text(args.packageName);
    doc.moveDown().fontSize(12).text(`Candidate: ${args.candidate}`);
    doc.text(`Score: ${result.score ?? '–'} / 100`);
    for (const [key, value] of Object.entries(result.attributes ?? {})) doc.text(`${key}: ${String(value)}`);
    doc.text(`Completed: ${result.completed_at ?? '–'}`);
    doc.end();
  });
}
