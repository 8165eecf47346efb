/**
 * pdfkit's built-in Helvetica is a standard-14 font with WinAnsi encoding: it cannot show
 * characters outside Windows-1252, and pdfkit silently garbles them. We do not embed a Unicode
 * font (none ships with our dependencies), so every string goes through `toPdfText` first:
 *   1. characters WinAnsi can show are kept (Latin-1, € – — “ ” etc., so "José Müller" is exact);
 *   2. letters with a known Latin spelling are transliterated (Ł→L, Cyrillic, Greek);
 *   3. other accented letters lose their accents via NFKD (ő→o, ș→s, ﬁ→fi);
 *   4. anything left (CJK, emoji, symbols) becomes "?".
 * Lossy but never crashes and never emits wrong glyphs. Embedding e.g. Noto Sans via
 * `doc.registerFont` would remove the need for this.
 */

const WINANSI_EXTRA = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019,
  0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

export const REPLACEMENT = '?';

function encodable(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WINANSI_EXTRA.has(cp) || cp === 0x0a;
}

// prettier-ignore
const UPPER: Record<string, string> = {
  // Latin letters NFKD cannot strip to ASCII.
  Ł: 'L', Đ: 'D', Ħ: 'H', Ŧ: 'T', Ŋ: 'N', Ŀ: 'L', Ə: 'E', Ɲ: 'N',
  // Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Bulgarian, Macedonian).
  А: 'A', Б: 'B', В: 'V', Г: 'G', Ґ: 'G', Д: 'D', Ђ: 'Dj', Е: 'E', Ё: 'Yo', Є: 'Ye', Ж: 'Zh', З: 'Z', Ѕ: 'Dz',
  И: 'I', І: 'I', Ї: 'Yi', Й: 'Y', Ј: 'J', К: 'K', Л: 'L', Љ: 'Lj', М: 'M', Н: 'N', Њ: 'Nj', О: 'O', П: 'P',
  Р: 'R', С: 'S', Т: 'T', Ћ: 'C', Ќ: 'K', У: 'U', Ў: 'U', Ф: 'F', Х: 'Kh', Ц: 'Ts', Ч: 'Ch', Џ: 'Dz', Ш: 'Sh',
  Щ: 'Shch', Ъ: '', Ы: 'Y', Ь: '', Э: 'E', Ю: 'Yu', Я: 'Ya',
  // Greek.
  Α: 'A', Β: 'V', Γ: 'G', Δ: 'D', Ε: 'E', Ζ: 'Z', Η: 'I', Θ: 'Th', Ι: 'I', Κ: 'K', Λ: 'L', Μ: 'M', Ν: 'N',
  Ξ: 'X', Ο: 'O', Π: 'P', Ρ: 'R', Σ: 'S', Τ: 'T', Υ: 'Y', Φ: 'F', Χ: 'Ch', Ψ: 'Ps', Ω: 'O',
};

// prettier-ignore
const SYMBOLS: Record<string, string> = {
  ı: 'i', ĸ: 'k', ς: 's', '\t': ' ', '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2212': '-', '\u2032': "'",
  '\u2033': '"', '\u2192': '->', '\u2190': '<-', '\u2264': '<=', '\u2265': '>=', '\u2260': '!=', '\u2248': '~',
  '\u200b': '', '\u200c': '', '\u200d': '', '\ufeff': '', '\u2028': '\n', '\u2029': '\n',
};

const MAP: Record<string, string> = { ...SYMBOLS };
for (const [upper, latin] of Object.entries(UPPER)) {
  MAP[upper] = latin;
  const lower = upper.toLowerCase();
  if (lower !== upper) MAP[lower] = latin.toLowerCase();
}

/** Makes any string safe for pdfkit's standard fonts (see module comment). */
export function toPdfText(input: string): string {
  let out = '';
  for (const ch of input.normalize('NFC').replace(/\r\n?/g, '\n')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (encodable(cp)) {
      out += ch;
      continue;
    }
    const mapped = MAP[ch];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    const stripped = [...ch.normalize('NFKD').replace(/\p{M}/gu, '')].map((c) =>
      encodable(c.codePointAt(0) ?? 0) ? c : MAP[c],
    );
    if (stripped.length > 0 && stripped.every((c) => c !== undefined)) {
      out += stripped.join('');
      continue;
    }
    // Other control characters vanish; everything else is visibly replaced.
    out += cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? '' : REPLACEMENT;
  }
  return out;
}
