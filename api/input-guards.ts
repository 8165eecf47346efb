import type { RequestHandler } from 'express';
import type { ErrorBody } from './http-errors.js';

/**
 * PostgreSQL text and jsonb cannot hold the NUL character: a NUL that reaches a query fails it
 * ("invalid byte sequence for encoding UTF8: 0x00"), which would surface as a 500. No identifier,
 * token or field of ours contains one, so requests carrying one are refused up front.
 */

/** 400 for a URL (path or query) with `%00` in it. */
export const rejectNulInUrl: RequestHandler = (req, res, next) => {
  if (!/%00/.test(req.originalUrl)) return next();
  res.status(400).json({
    error: { code: 'invalid_input', message: 'the URL contains a NUL character (%00)' },
  } satisfies ErrorBody);
};

/**
 * A JSON.parse reviver for express.json: a string value or key with a NUL character makes the body
 * invalid JSON for us (400 `invalid_json`), before it reaches a handler or the database.
 */
export function rejectNulInJson(key: string, value: unknown): unknown {
  if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) {
    throw new SyntaxError('the JSON body contains a NUL character');
  }
  return value;
}
