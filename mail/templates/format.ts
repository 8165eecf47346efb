/** One escaper for pages and mail (security/html.ts); templates use its `html` tag. */
export { escapeHtml } from '../../security/html.js';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * "Friday, 5 December 2025, 17:00 UTC". Hand-rolled rather than Intl so the output does not
 * change with the ICU data of the Node build (snapshot tests and idempotent re-renders rely on it).
 */
export function formatUtcDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid date: ${iso}`);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** "90 minutes", "1 minute", "2 hours", "1 hour 30 minutes". */
export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const part = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (h === 0) return part(m, 'minute');
  return m === 0 ? part(h, 'hour') : `${part(h, 'hour')} ${part(m, 'minute')}`;
}

function expandHex(hex: string): string {
  const body = hex.slice(1);
  return body.length === 3
    ? body
        .split('')
        .map((c) => c + c)
        .join('')
    : body;
}

/**
 * White when it reaches WCAG AA (4.5:1) on `background` (brand colours are usually designed for
 * white text), otherwise whichever of black and white contrasts better.
 */
export function readableTextColor(background: string): '#000000' | '#FFFFFF' {
  const body = expandHex(background);
  const channel = (i: number): number => {
    const c = parseInt(body.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  const onWhite = 1.05 / (luminance + 0.05);
  const onBlack = (luminance + 0.05) / 0.05;
  return onWhite >= 4.5 || onWhite >= onBlack ? '#FFFFFF' : '#000000';
}
