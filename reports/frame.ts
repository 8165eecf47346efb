import type { ReportBranding } from './fields.js';
import { formatUtc } from './format.js';
import { createPdf } from './pdf/document.js';
import { Layout, themeFor } from './pdf/layout.js';

/**
 * The frame both reports share, so they open and close alike: the document's metadata, the brand
 * banner with the report's `name`, the candidate as the title, and a footer on every page naming
 * the company, the candidate and when the report was generated. `sections` draws what lies
 * between. Identical input gives identical bytes (`generatedAt` is the document's date).
 */
export async function renderReport(
  data: { branding: ReportBranding; candidate: { name: string }; generatedAt: string },
  frame: { name: string; title: string; subject: string; subtitle: string; compress: boolean },
  sections: (layout: Layout) => void,
): Promise<Buffer> {
  const { branding, candidate, generatedAt } = data;
  const pdf = createPdf({
    title: frame.title,
    author: branding.companyName,
    subject: frame.subject,
    generatedAt: new Date(generatedAt),
    compress: frame.compress,
  });
  const layout = new Layout(pdf.doc, themeFor(branding));

  layout.banner(branding.companyName, frame.name);
  layout.title(candidate.name, frame.subtitle);
  sections(layout);

  layout.footers(`${branding.companyName}  |  ${candidate.name}  |  generated ${formatUtc(generatedAt)}`);
  return pdf.finish();
}
