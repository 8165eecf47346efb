/**
 * Minimal text extraction for *uncompressed* pdfkit output: pdfkit writes each line as a TJ
 * array of hex strings (split where kerning applies). Joining the hex runs of one array gives
 * the line's text; lines are separated by "\n".
 */
export function extractText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const decoder = new TextDecoder('windows-1252');
  const lines: string[] = [];
  for (const m of source.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?\d+(?:\.\d+)?)*)\]\s*TJ/g)) {
    const hex = [...(m[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1] ?? '').join('');
    lines.push(decoder.decode(Buffer.from(hex, 'hex')));
  }
  return lines.join('\n');
}

export function pageCount(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g)?.length ?? 0;
}

export function isPdf(pdf: Buffer): boolean {
  return (
    pdf.subarray(0, 5).toString('latin1') === '%PDF-' && pdf.subarray(-6).toString('latin1').includes('%%EOF')
  );
}
