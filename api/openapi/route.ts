import type { IRouter, RequestHandler } from 'express';
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
  const declared: DeclaredRoute = { ...spec, handlers };
  const expressRoute = router.route(spec.path);
  Object.defineProperty(expressRoute, ROUTE_SPEC, { value: declared });
  // The response check (response-check.ts) reads the declaration of the route that answers.
  const mark: RequestHandler = (_req, res, next) => {
    res.locals[ROUTE_SPEC as unknown as string] = declared;
    next();
  };
  expressRoute[spec.method](mark, ...handlers);
}

/** The declaration of the route answering this response, if route() registered it. */
export function declaredRouteOf(locals: Record<string, unknown>): DeclaredRoute | undefined {
  return locals[ROUTE_SPEC as unknown as string] as DeclaredRoute | undefined;
}
