import { z } from 'zod';

/**
 * The typed route registry the OpenAPI document (document.ts) is generated from: one `defineRoute`
 * per HTTP route of the app (routes.ts). Schemas are the zod schemas the handlers parse with,
 * imported where they live; only response shapes without a schema of their own are written in
 * responses.ts. test/api/openapi.test.ts fails when Express has a route this registry lacks.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route:
 * - operator: `Authorization: Bearer <operator key>`;
 * - partner: HTTP Basic, the tenant's partner API key as user name, empty password (Greenhouse);
 * - webhook: Greenhouse's `Signature` header (HMAC-SHA256 of the raw body with the tenant's secret);
 * - link: the private token in the path of a page people open from an e-mail;
 * - none: public.
 */
export type RouteSecurity = 'operator' | 'partner' | 'webhook' | 'link' | 'none';

/** Zod metadata of the registry: `id` makes a schema a reusable component; `description` explains it. */
export interface ComponentMeta {
  id?: string;
  description?: string;
}

/**
 * Schemas registered here become `components.schemas.<id>` and are referenced (`$ref`) wherever
 * a route uses them, nested or not. Our own registry, not zod's global one: the domain schemas stay
 * untouched for every other caller of `z.toJSONSchema`.
 */
export const componentRegistry = z.registry<ComponentMeta>();

/** Registers a schema as a named component and returns it unchanged. */
export function component<S extends z.ZodType>(schema: S, id: string, description?: string): S {
  componentRegistry.add(schema, description ? { id, description } : { id });
  return schema;
}

/**
 * Describes a schema in the document (zod's `.describe` writes to the global registry, which the
 * document does not read). Only for schemas made for the document: the note sticks to the instance.
 */
export function note<S extends z.ZodType>(schema: S, description: string): S {
  componentRegistry.add(schema, { description });
  return schema;
}

export interface ResponseSpec {
  description: string;
  /** The body's schema; absent for bodies we do not describe (HTML pages, PDF) or no body. */
  schema?: z.ZodType;
  /** `application/json` by default when a schema is given. */
  contentType?: string;
  /** Response headers worth knowing, by name. */
  headers?: Record<string, { description: string; schema?: z.ZodType }>;
}

export interface BodySpec {
  schema: z.ZodType;
  /** `application/json` by default. */
  contentType?: string;
  /** False when the body may be left out entirely (defaults apply). True by default. */
  required?: boolean;
  description?: string;
}

/** A zod object whose keys are the parameters (path, query or header). */
export type ParamsSchema = z.ZodObject;

export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI style: `/operator/tenants/{tenantId}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  security: RouteSecurity;
  /** Path parameters: one key per `{name}` of `path` (the document builder checks). */
  params?: ParamsSchema;
  query?: ParamsSchema;
  /** Request headers the handler reads (beyond authentication). */
  headers?: ParamsSchema;
  body?: BodySpec;
  responses: Record<number, ResponseSpec>;
}

/** Identity with types: keeps each entry checked against RouteSpec where it is written. */
export function defineRoute<const R extends RouteSpec>(route: R): R {
  return route;
}

/** `{name}` placeholders of an OpenAPI path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

/** An Express path (`/t/:token`) in OpenAPI style (`/t/{token}`). */
export function expressPathToOpenApi(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
