import { FONT, fontFor, registerReportFonts, scriptRuns, type BaseFont, type Script } from './fonts.js';

type TextOptions = PDFKit.Mixins.TextOptions;
const BASE_FONTS = new Set<string>(Object.values(FONT));

/**
 * pdfkit has no font fallback, so this teaches one document to draw any string in the report fonts:
 * `text` writes each script run (fonts.ts `scriptRuns`) in its font as one continued paragraph, and
 * `widthOfString` sums the runs, so wrapping and ellipses keep working. `font(FONT.x)` sets the base
 * font the runs fall back from. Everything else is pdfkit's own.
 *
 * Right to left: fontkit (under pdfkit) shapes Arabic (joining forms) and lays out a run of Arabic
 * or Hebrew right to left, so a name in one script reads correctly. pdfkit has no bidi algorithm:
 * runs of different directions in one line stay in logical order, left to right.
 */
export function useReportFonts(doc: PDFKit.PDFDocument): void {
  registerReportFonts(doc);
  let base: BaseFont = FONT.regular;
  const font = doc.font.bind(doc);
  const text = doc.text.bind(doc) as (text: string, ...rest: unknown[]) => PDFKit.PDFDocument;
  const widthOfString = doc.widthOfString.bind(doc);

  const withFont = <T>(script: Script, run: () => T): T => {
    font(fontFor(base, script));
    try {
      return run();
    } finally {
      font(base);
    }
  };
  // Noto Sans's `ccmp` splits precomposed letters (ị → i + ̣), which copies and searches then lose.
  const featuresFor = (script: Script) => (script === 'base' ? { features: { ccmp: false } as never } : {});

  doc.font = ((name: string, ...rest: unknown[]) => {
    if (BASE_FONTS.has(name)) base = name as BaseFont;
    return (font as (...args: unknown[]) => PDFKit.PDFDocument)(name, ...rest);
  }) as typeof doc.font;

  // pdfkit measures words through doc.widthOfString while it lays out one of our runs: those are
  // measured as they are, in the run's font.
  let inRun = false;
  doc.widthOfString = (s: string, options?: TextOptions) =>
    inRun
      ? widthOfString(s, options)
      : scriptRuns(s).reduce(
          (sum, run) =>
            sum +
            withFont(run.script, () => widthOfString(run.text, { ...options, ...featuresFor(run.script) })),
          0,
        );

  doc.text = ((s: string, ...rest: unknown[]) => {
    const [x, y, options] =
      typeof rest[0] === 'number' || rest[0] === undefined
        ? [rest[0] as number | undefined, rest[1] as number | undefined, (rest[2] ?? {}) as TextOptions]
        : [undefined, undefined, rest[0] as TextOptions];
    const runs = scriptRuns(String(s));
    inRun = true;
    try {
      return writeRuns(runs, x, y, options);
    } finally {
      inRun = false;
    }
  }) as typeof doc.text;

  function writeRuns(
    runs: ReturnType<typeof scriptRuns>,
    x: number | undefined,
    y: number | undefined,
    options: TextOptions,
  ): PDFKit.PDFDocument {
    if (runs.length <= 1) {
      const script = runs[0]?.script ?? 'base';
      const all = runs[0]?.text ?? '';
      return withFont(script, () => text(all, x, y, { ...options, ...featuresFor(script) }));
    }
    // pdfkit lays a continued fragment out when the next one comes, in the font current then: each
    // run's font stays set until the next run is written, and the base font returns at the end.
    runs.forEach((run, i) => {
      const opts = {
        ...options,
        ...featuresFor(run.script),
        continued: i < runs.length - 1 || !!options.continued,
      };
      font(fontFor(base, run.script));
      if (i === 0) text(run.text, x, y, opts);
      else text(run.text, opts);
    });
    font(base);
    return doc;
  }
}
