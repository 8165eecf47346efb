/**
 * HTML built with a tagged template that escapes every interpolation unless it is itself HTML:
 * a fragment from `html`…`` or a trusted string passed through `raw`. Arrays are interpolated item
 * by item and joined. Hand-written (about 30 lines) rather than a package: the npm ones either
 * return plain strings (a nested fragment is escaped twice unless marked by hand), drop values
 * interpolated into href/src attributes, or escape `/` and `=` too, which rewrites every link.
 */
export class SafeHtml {
  constructor(private readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A trusted HTML string (markup we wrote, never user input), interpolated as it is. */
export const raw = (trusted: string): SafeHtml => new SafeHtml(trusted);

/** Interpolations are escaped text (null and undefined: nothing) unless they are SafeHtml. */
function interpolate(value: unknown): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(interpolate).join('');
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += interpolate(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Fragments joined with a separator (a line break between sections, …). */
export const join = (fragments: readonly SafeHtml[], separator = ''): SafeHtml =>
  new SafeHtml(fragments.map(String).join(separator));
