import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cursorInstant, pageCursor } from '../../db/page-cursor.js';
import { cursorOr400, HttpError } from '../../api/http-errors.js';

describe('pageCursor', () => {
  const byTimeAndId = pageCursor(z.object({ c: cursorInstant, i: z.string() }));
  const at = new Date('2026-12-04T10:15:00.123Z');

  it('reads back the key it wrote, timestamps as Dates', () => {
    const text = byTimeAndId.encode({ c: at, i: 'j_1' });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(byTimeAndId.decode(text)).toEqual({ c: at, i: 'j_1' });
  });

  it('keeps the wire format of the cursors issued before it (base64url JSON of the key)', () => {
    const before = Buffer.from(JSON.stringify({ c: at.toISOString(), i: 'j_1' })).toString('base64url');
    expect(byTimeAndId.decode(before)).toEqual({ c: at, i: 'j_1' });
    expect(byTimeAndId.encode({ c: at, i: 'j_1' })).toBe(before);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON of another shape', Buffer.from(JSON.stringify({ i: 1 })).toString('base64url')],
    ['an invalid time', Buffer.from(JSON.stringify({ c: 'yesterday', i: 'x' })).toString('base64url')],
    ['another list’s cursor', pageCursor(z.string()).encode('pkg_1')],
  ])('decodes %s to null', (_, text) => {
    expect(byTimeAndId.decode(text)).toBeNull();
  });

  it('cursorOr400 answers 400 naming the cursor', () => {
    expect(cursorOr400(byTimeAndId, byTimeAndId.encode({ c: at, i: 'a' }))).toEqual({ c: at, i: 'a' });
    let thrown: unknown;
    try {
      cursorOr400(byTimeAndId, 'nope');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_input', field: 'cursor' });
  });
});
