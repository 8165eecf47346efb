import { z } from 'zod';

/**
 * Every list of the API pages by an opaque cursor: the sort key of the last row of a page, as
 * base64url JSON. One codec so each list says only what its key is (a zod schema); a cursor that
 * is not JSON, or not of that shape, decodes to null (the API answers 400).
 */
export interface PageCursor<T> {
  encode(key: T): string;
  decode(cursor: string): T | null;
}

/** A timestamp inside a cursor: written as ISO text (Date's toJSON), read back as a Date. */
export const cursorInstant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .pipe(z.date());

export function pageCursor<S extends z.ZodType>(schema: S): PageCursor<z.output<S>> {
  return {
    encode: (key) => Buffer.from(JSON.stringify(key)).toString('base64url'),
    decode(cursor) {
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
      } catch {
        return null;
      }
      const parsed = schema.safeParse(value);
      return parsed.success ? parsed.data : null;
    },
  };
}
