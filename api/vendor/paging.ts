import { z } from 'zod';
import type { PageCursor } from '../../db/page-cursor.js';
import { note } from '../openapi/registry.js';

/** `?limit=1..200&cursor=<opaque>`: every vendor list pages so. */
export const PageQuery = {
  limit: note(z.coerce.number().int().min(1).max(200).default(50), 'Page size, 1–200 (default 50).'),
  cursor: note(z.string().max(500).optional(), 'The `next_cursor` of the previous page.'),
};

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** Takes limit+1 rows to learn whether another page follows; its cursor is the last row's key. */
export function page<R, K>(rows: R[], limit: number, cursor: PageCursor<K>, keyOf: (row: R) => K) {
  const data = rows.slice(0, limit);
  const next = rows.length > limit ? cursor.encode(keyOf(data[data.length - 1]!)) : null;
  return { data, next_cursor: next };
}
