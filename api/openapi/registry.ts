import { zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';

/**
 * What a route declares about itself (route.ts registers it on Express and document.ts turns it
 * into the OpenAPI document), and the schema annotations the document reads.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route:
 * - operator: `Authorization: Bearer <operator key>`;
 * - partner: HTTP Basic, the tenant's partner API key as user name, empty password (Greenhouse);
 * - webhook: Greenhouse's `Signature` header (HMAC-SHA256 of the raw body with the tenant's secret);
 * - integration: `Authorization: Bearer <integration key>` (the vendor API, /vendor/v1);
 * - link: the private token in the path of a page people open from an e-mail;
 * - none: public.
 */
export type RouteSecurity = 'operator' | 'partner' | 'webhook' | 'link' | 'none' | 'integration';

interface Annotation {
  _internal?: { refId: string };
  description?: string;
}

/**
 * Annotations live in zod-to-openapi's own registry keyed by the schema instance itself: the
 * domain schemas stay untouched (no `.openapi()` copies) and every use of one is a `$ref`.
 */
function annotate(schema: z.ZodType, more: Annotation): void {
  const known = (zodToOpenAPIRegistry.get(schema) ?? {}) as Annotation;
  zodToOpenAPIRegistry.remove(schema);
  zodToOpenAPIRegistry.add(schema, { ...known, ...more } as never);
}

/** Registers a schema as a named component (`components.schemas.<id>`) and returns it unchanged. */
export function component<S extends z.ZodType>(schema: S, id: string, description?: string): S {
  annotate(schema, { _internal: { refId: id }, ...(description ? { description } : {}) });
  return schema;
}

/** Describes a schema in the document; only for schemas made for the document. */
export function note<S extends z.ZodType>(schema: S, description: string): S {
  annotate(schema, { description });
  return schema;
}

export interface ResponseSpec {
  description: string;
  /** The body's schema; absent for bodies we do not describe (HTML pages, PDF) or no body. */
  schema?: z.ZodType;
  /** `application/json` by default when a schema is given. */
  contentType?: string;
  /** Response headers worth knowing, by name. */
  headers?: Record<string, { description: string }>;
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
  /** Express style, relative to the router it is registered on: `/tenants/:tenantId`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  security: RouteSecurity;
  /** Path parameters: one key per `:name` of `path` (the document builder checks). */
  params?: ParamsSchema;
  query?: ParamsSchema;
  /** Request headers the handler reads (beyond authentication). */
  headers?: ParamsSchema;
  body?: BodySpec;
  responses: Record<number, ResponseSpec>;
}

/** `{name}` placeholders of an OpenAPI path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

/** An Express path (`/t/:token`) in OpenAPI style (`/t/{token}`). */
export function expressPathToOpenApi(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
