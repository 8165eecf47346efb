import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../http-errors.js';

/**
 * Bootstrap operator authentication: `Authorization: Bearer <OPERATOR_API_KEY>`, compared in
 * constant time (hashes first, so lengths leak nothing). Role- and tenant-scoped operator keys
 * replace this with the operator API.
 */
export function requireOperator(operatorKey: string | undefined): RequestHandler {
  const expected = operatorKey ? sha256(operatorKey) : null;
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!expected) return next(new HttpError(503, 'operator_api_disabled', 'no operator key is configured'));
    if (!match || !timingSafeEqual(sha256(match[1]!), expected)) {
      return next(
        new HttpError(401, 'unauthorized', 'a valid operator key is required (Authorization: Bearer …)'),
      );
    }
    next();
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
