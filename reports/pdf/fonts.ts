import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The report fonts: Noto Sans (Latin with every diacritic, Greek, Cyrillic) and, per run of text it
 * lacks, Noto Sans SC (Han, kana, CJK punctuation), Noto Sans Hebrew and Noto Naskh Arabic. They
 * come from npm dependencies (@embedpdf/fonts-*, OFL-1.1), so `npm ci` installs them and the image
 * carries them in node_modules; nothing is downloaded at run time. pdfkit embeds only the fonts a
 * report uses, each subset to the glyphs it shows.
 */
export const FONT = { regular: 'Sans', bold: 'Sans-Bold', italic: 'Sans-Italic' } as const;
export type BaseFont = (typeof FONT)[keyof typeof FONT];
export type Script = 'base' | 'cjk' | 'hebrew' | 'arabic';

const require = createRequire(import.meta.url);
/** The packages export only their JS entry; the fonts sit next to it in `fonts/`. */
const fontsOf = (pkg: string) => path.join(path.dirname(require.resolve(pkg)), '..', 'fonts');

const FILES: Record<string, [pkg: string, file: string]> = {
  Sans: ['@embedpdf/fonts-latin', 'NotoSans-Regular.ttf'],
  'Sans-Bold': ['@embedpdf/fonts-latin', 'NotoSans-Bold.ttf'],
  'Sans-Italic': ['@embedpdf/fonts-latin', 'NotoSans-Italic.ttf'],
  CJK: ['@embedpdf/fonts-sc', 'NotoSansHans-Regular.otf'],
  'CJK-Bold': ['@embedpdf/fonts-sc', 'NotoSansHans-Bold.otf'],
  Hebrew: ['@embedpdf/fonts-hebrew', 'NotoSansHebrew-Regular.ttf'],
  'Hebrew-Bold': ['@embedpdf/fonts-hebrew', 'NotoSansHebrew-Bold.ttf'],
  Arabic: ['@embedpdf/fonts-arabic', 'NotoNaskhArabic-Regular.ttf'],
  'Arabic-Bold': ['@embedpdf/fonts-arabic', 'NotoNaskhArabic-Bold.ttf'],
};

// Read once per process (the CJK font is 8 MB); pdfkit parses a font only when a report uses it.
const cache = new Map<string, Buffer>();
function fontData(name: string): Buffer {
  let data = cache.get(name);
  if (!data) {
    const [pkg, file] = FILES[name]!;
    data = readFileSync(path.join(fontsOf(pkg), file));
    cache.set(name, data);
  }
  return data;
}

/** Registers every report font under the names `fontFor` answers (embedded only once used). */
export function registerReportFonts(doc: PDFKit.PDFDocument): void {
  for (const name of Object.keys(FILES)) doc.registerFont(name, fontData(name));
}

/** The font for a run of `script` in text set in `base` (no italic outside Latin: upright instead). */
export function fontFor(base: BaseFont, script: Script): string {
  if (script === 'base') return base;
  const family = { cjk: 'CJK', hebrew: 'Hebrew', arabic: 'Arabic' }[script];
  return base === FONT.bold ? `${family}-Bold` : family;
}

const SCRIPT_OF: [RegExp, Script][] = [
  [
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\u3000-\u303f\uff01-\uff60]/u,
    'cjk',
  ],
  [/\p{Script=Hebrew}/u, 'hebrew'],
  [/\p{Script=Arabic}/u, 'arabic'],
];
/** Spaces, digits, punctuation and combining marks belong to the run they are in. */
const NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;

/** Splits text into runs that one font can show: Noto Sans, or the fallback for CJK, Hebrew, Arabic. */
export function scriptRuns(text: string): { text: string; script: Script }[] {
  const runs: { text: string; script: Script }[] = [];
  for (const ch of text) {
    const script = SCRIPT_OF.find(([re]) => re.test(ch))?.[1] ?? (NEUTRAL.test(ch) ? null : 'base');
    const last = runs.at(-1);
    if (last && (script === null || script === last.script)) last.text += ch;
    else runs.push({ text: ch, script: script ?? 'base' });
  }
  // A right-to-left run is laid out reversed: neutrals after it ("محمد | ") belong to what follows.
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (run.script !== 'hebrew' && run.script !== 'arabic') continue;
    const tail = /[\p{Script=Common}]+$/u.exec(run.text)?.[0];
    if (!tail || tail === run.text) continue;
    run.text = run.text.slice(0, -tail.length);
    const next = runs[i + 1];
    if (next) next.text = tail + next.text;
    else runs.push({ text: tail, script: 'base' });
  }
  return runs;
}
