import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/unavailable.js';
import { ServiceError, type ServiceErrorKind } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';
import { messagePage } from './pages/html.js';

const statusOfKind: Record<ServiceErrorKind, number> = {
  not_found: 404,
  conflict: 409,
  invalid: 422,
  precondition: 409,
  upstream_unavailable: 502,
};

/** Every error response of our API has this shape; `field` names the input that is wrong. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A list's cursor decoded, or a 400 naming `cursor` (db/page-cursor.ts). */
export function cursorOr400<T>(codec: { decode(cursor: string): T | null }, cursor: string): T {
  const key = codec.decode(cursor);
  if (key === null)
    throw new HttpError(400, 'invalid_input', 'cursor: is not a cursor this API returned', 'cursor');
  return key;
}

/** Parses input with a zod schema or throws a 400 naming the first wrong field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : where;
  throw new HttpError(400, 'invalid_input', `${field}: ${issue.message}`, field);
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({
    error: { code: 'not_found', message: `no route ${req.method} ${req.path}` },
  } satisfies ErrorBody);
};

/** Maps thrown errors to clear JSON; never leaks a stack trace or an internal message. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const body = (status: number, code: string, message: string, field?: string) =>
      res.status(status).json({ error: { code, message, ...(field ? { field } : {}) } } satisfies ErrorBody);
    if (err instanceof HttpError) return body(err.status, err.code, err.message, err.field);
    if (err instanceof ServiceError) return body(statusOfKind[err.kind], err.kind, err.message, err.field);
    // body-parser errors carry a status and a type.
    if (typeof err === 'object' && err && 'type' in err) {
      const type = (err as { type: string }).type;
      if (type === 'entity.parse.failed')
        return body(400, 'invalid_json', 'the request body is not valid JSON');
      if (type === 'entity.too.large') return body(413, 'body_too_large', 'the request body is too large');
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
        return body(415, 'unsupported_encoding', 'the request body encoding is not supported');
      }
      // Forms with more fields than their parser allows (urlencoded `parameterLimit`).
      if (type === 'parameters.too.many') return body(413, 'too_many_fields', 'the form has too many fields');
    }
    // The database is down or restarting (db/unavailable.ts): nothing is wrong with the request, so
    // 503 with a Retry-After, not 500; clients, load balancers and people's browsers try again.
    if (isDatabaseUnavailable(err)) {
      log.warn({ method: req.method, path: redactedPath(req.path) }, 'database unavailable');
      res.status(503).set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      // People's pages (opened from an e-mail) answer a page, as their other refusals do.
      if (PEOPLE_PAGE.test(req.path)) {
        return void res
          .type('html')
          .send(
            messagePage(
              'Please try again in a moment',
              'This page is briefly unavailable. Please try again in a minute; if you were sending a form, send it again.',
            ),
          );
      }
      return body(503, 'service_unavailable', 'the service is temporarily unavailable; try again shortly');
    }
    // Any other client error raised by Express or a body parser (a path parameter that is not valid
    // percent-encoding, an aborted or mis-sized body, an undecodable gzip body, …) carries its 4xx
    // status: answer it as such, with a generic message (theirs may echo internals).
    const status = clientErrorStatus(err);
    if (status !== null) return body(status, 'bad_request', 'the request could not be read');
    log.error({ err, method: req.method, path: redactedPath(req.path) }, 'unhandled error');
    return body(500, 'internal', 'internal error');
  };
}

/** Paths of people's pages (api/pages/, the OAuth callback): they answer HTML, not JSON. */
const PEOPLE_PAGE = /^\/(?:(?:t|g|r|n|q)\/|outbox(?:\/|$)|oauth\/)/;

/** People's links carry their token in the path: never into the logs. */
const redactedPath = (p: string) => p.replace(/^\/(t|g|r|n|q)\/[^/]+/, '/$1/[token]');

/** The 4xx status of an http-errors style error (`status` or `statusCode`, exposable), else null. */
function clientErrorStatus(err: unknown): number | null {
  if (typeof err !== 'object' || err === null) return null;
  const { status, statusCode, expose } = err as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 499) return null;
  return expose === false ? null : code;
}

/** Express 5 forwards rejected promises to the error handler; this only types async handlers. */
export const handle =
  (fn: (...args: Parameters<RequestHandler>) => Promise<unknown>): RequestHandler =>
  (req, res, next) =>
    fn(req, res, next).catch(next);
