import { z } from 'zod';
import { HttpError } from '../http-errors.js';
import { note } from '../openapi/registry.js';

/** `?limit=1..200&cursor=<opaque>`: every vendor list pages so. */
export const PageQuery = {
  limit: note(z.coerce.number().int().min(1).max(200).default(50), 'Page size, 1–200 (default 50).'),
  cursor: note(z.string().max(500).optional(), 'The `next_cursor` of the previous page.'),
};

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** An opaque cursor: the sort key of the last row of the previous page. */
export const encodeCursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

export function decodeCursor<T>(cursor: string, check: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (check(value)) return value;
  } catch {
    // Falls through to the same answer as a well-formed but foreign cursor.
  }
  throw new HttpError(400, 'invalid_input', 'cursor: is not a cursor this API returned', 'cursor');
}

/** Takes limit+1 rows to learn whether another page follows. */
export function page<R>(rows: R[], limit: number, keyOf: (row: R) => unknown) {
  const data = rows.slice(0, limit);
  const next = rows.length > limit ? encodeCursor(keyOf(data[data.length - 1]!)) : null;
  return { data, next_cursor: next };
}
