import type { RequestHandler } from 'express';
import type { Logger } from '../../observability/logger.js';
import type { ErrorBody } from '../http-errors.js';
import { declaredRouteOf, type DeclaredRoute } from './route.js';

/**
 * Checks each JSON answer against the schema its route declares for that status (route.ts), and
 * answers 500 when they disagree, loudly: the tests run with it on (test/helpers/app.ts), so a
 * declaration that drifts from what a handler really answers fails the test that met it.
 * Undeclared 5xx pass: they are the error handler's generic faults, not the route's contract.
 */
export function checkResponses(log: Logger): RequestHandler {
  return (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const route = declaredRouteOf(res.locals);
      if (!route) return json(body);
      const problem = mismatch(route.responses, res.statusCode, body);
      if (!problem) return json(body);
      const where = `${route.method.toUpperCase()} ${route.path} ${res.statusCode}`;
      log.error({ route: where, problem }, 'response does not match its declared schema');
      res.status(500);
      return json({
        error: { code: 'undeclared_response', message: `${where}: ${problem}` },
      } satisfies ErrorBody);
    };
    next();
  };
}

function mismatch(responses: DeclaredRoute['responses'], status: number, body: unknown): string | undefined {
  const declared = responses[status];
  if (!declared) return status >= 500 ? undefined : `status ${status} is not declared`;
  if (declared.contentType && declared.contentType !== 'application/json') {
    return `declared as ${declared.contentType}, answered JSON`;
  }
  if (!declared.schema) return undefined;
  // What goes on the wire (Dates as ISO strings), not the objects the handler holds.
  const wire: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  const result = declared.schema.safeParse(wire);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  return `${issue.path.join('.') || 'body'}: ${issue.message}`;
}
