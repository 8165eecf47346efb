import type { IRouter, RequestHandler } from 'express';
import { err } from './common.js';
import type { RouteSpec } from './registry.js';

/** Where route() leaves a route's declaration: on its Express route (document.ts) and in res.locals. */
export const ROUTE_SPEC = Symbol.for('greenroom.routeSpec');

export type DeclaredRoute = RouteSpec & { handlers: RequestHandler[] };

/**
 * Registers one route: its declaration (method, path, schemas, responses, auth, summary) and its
 * handlers, on the given router. The OpenAPI document is read back from what Express holds
 * (document.ts), so a route cannot exist without its declaration or drift from it.
 */
export function route(router: IRouter, spec: RouteSpec, ...handlers: RequestHandler[]): void {
  const declared: DeclaredRoute = {
    ...spec,
    responses: { ...bodyParserAnswers, ...spec.responses },
    handlers,
  };
  const expressRoute = router.route(spec.path);
  Object.defineProperty(expressRoute, ROUTE_SPEC, { value: declared });
  // The response check (response-check.ts) reads the declaration of the route that answers.
  const mark: RequestHandler = (_req, res, next) => {
    res.locals[ROUTE_SPEC as unknown as string] = declared;
    next();
  };
  expressRoute[spec.method](mark, ...handlers);
}

/**
 * What the app-wide body parsers answer before any handler runs (http-errors.ts), whatever the
 * method: every route can give these, so every route declares them unless it says more.
 */
const bodyParserAnswers = {
  400: err('The body cannot be read (`invalid_json`).'),
  413: err('The body is too large, or a form has too many fields (`body_too_large`, `too_many_fields`).'),
  415: err('The body’s content encoding is not supported (`unsupported_encoding`).'),
};

/** The declaration of the route answering this response, if route() registered it. */
export function declaredRouteOf(locals: Record<string, unknown>): DeclaredRoute | undefined {
  return locals[ROUTE_SPEC as unknown as string] as DeclaredRoute | undefined;
}
