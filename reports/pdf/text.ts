/**
 * Report text is shown as written (reports/pdf/fonts.ts embeds Unicode fonts). `toPdfText` only
 * tidies what no font should draw: line endings become "\n", tabs spaces, other control and
 * zero-width characters vanish, and emoji (no font here has them) become "?".
 */
export const REPLACEMENT = '?';

export function toPdfText(input: string): string {
  return input
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/(?!\n)[\p{Cc}\u200b\ufeff]/gu, '')
    .replace(/\p{Extended_Pictographic}\ufe0f?/gu, REPLACEMENT);
}
