import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Application, Express } from 'express';
import { expressPathToOpenApi, pathParamNames, type RouteSecurity } from './registry.js';
import { ROUTE_SPEC, type DeclaredRoute } from './route.js';

/** A JSON Schema (2020-12) or any other JSON object of the document. */
export type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument extends JsonObject {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string; description?: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, JsonObject>; securitySchemes: Record<string, JsonObject> };
}

export const SECURITY_SCHEMES: Record<Exclude<RouteSecurity, 'link' | 'none'>, JsonObject> = {
  operator: {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator key: `Authorization: Bearer <key>`.',
  },
  partner: {
    type: 'http',
    scheme: 'basic',
    description:
      'Greenhouse’s Assessment Partner API: the tenant’s partner API key as the user name, an empty password.',
  },
  webhook: {
    type: 'apiKey',
    in: 'header',
    name: 'Signature',
    description:
      '`sha256 <hex>`: HMAC-SHA256 of the raw body with the tenant’s webhook secret (issued when webhook_trigger is activated).',
  },
  integration: {
    type: 'http',
    scheme: 'bearer',
    description: 'An integration key (operator key of role `integration`): `Authorization: Bearer <key>`.',
  },
};

/**
 * Private links have no OpenAPI security scheme (the credential is a path segment): their
 * operations declare `security: []` and this extension, and the `token` parameter says so.
 */
export const LINK_SECURITY_EXTENSION = 'x-greenroom-link-token';

const TAGS: { name: string; description: string }[] = [
  { name: 'partner', description: 'The Assessment Partner API Greenhouse calls (HTTP Basic, partner key).' },
  { name: 'webhooks', description: 'Greenhouse’s signed webhooks, one URL per tenant.' },
  { name: 'oauth', description: 'Where Greenhouse returns after an admin’s consent.' },
  { name: 'operator: tenants', description: 'Tenants: a vendor’s customers.' },
  { name: 'operator: connections', description: 'Each tenant’s Greenhouse connection.' },
  { name: 'operator: mappings', description: 'Custom fields, jobs and stages mapped to results and tests.' },
  { name: 'operator: modes', description: 'Integration modes and the keys they issue.' },
  { name: 'operator: tests', description: 'The catalogue: tests and reference-check templates, versioned.' },
  { name: 'operator: invites', description: 'Vendor-side invites.' },
  { name: 'operator: journeys', description: 'Journeys and operators’ actions on them.' },
  { name: 'operator: response errors', description: 'What Greenhouse could not accept.' },
  { name: 'operator: keys', description: 'Role- and tenant-scoped operator keys.' },
  { name: 'operator: audit', description: 'The audit trail of operators’ actions.' },
  {
    name: 'operator: reconciliation',
    description: 'Repairing Greenhouse write-back: schedules, runs, re-drives.',
  },
  { name: 'vendor: packages', description: 'The vendor’s packages (hosted by its own product), versioned.' },
  { name: 'vendor: orders', description: 'Journeys of vendor-hosted packages, as orders.' },
  { name: 'operator: vendor packages', description: 'Enabling vendor packages for tenants.' },
  { name: 'operator: probes', description: 'End-to-end probes of API, Temporal, worker and database.' },
  { name: 'vendor: endpoints', description: 'The vendor’s endpoints for signed events (Standard Webhooks).' },
  { name: 'vendor: deliveries', description: 'The log of event deliveries to the vendor’s endpoints.' },
  {
    name: 'operator: vendor deliveries',
    description: 'Event deliveries to the vendor: the log and redelivery.',
  },
  {
    name: 'operator: signing keys',
    description: 'The keys that sign launch assertions (published at /.well-known/jwks.json).',
  },
  { name: 'pages', description: 'Pages people open from e-mails (HTML, no scripts).' },
  { name: 'health', description: 'Liveness, readiness and metrics.' },
  { name: 'codec', description: 'The Temporal Web UI’s codec server.' },
  { name: 'docs', description: 'This document and its page.' },
];

const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** greenroom's version, from the package.json above this file (source and dist/ alike). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'greenroom' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
const VERSION = packageVersion();

/** A declared route with its full path in OpenAPI style (`/operator/tenants/{tenantId}`). */
export type MountedRoute = DeclaredRoute & { fullPath: string };

interface StackLayer {
  route?: { path: unknown; methods: Record<string, boolean>; [ROUTE_SPEC]?: DeclaredRoute };
  handle?: { stack?: StackLayer[] };
  rawPath?: unknown;
}

/**
 * Every route the app has, with its declaration, walked from Express's own stack through mounted
 * routers (Express 5: a mount's path is the layer's `rawPath`). Throws on a route registered
 * without route(): every route is declared.
 */
export function appRoutes(app: Express | Application): MountedRoute[] {
  const found: MountedRoute[] = [];
  const join = (prefix: string, path: string) =>
    (prefix + (path === '/' ? '' : path) || '/').replace(/\/+/g, '/');
  const walk = (stack: StackLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const declared = layer.route[ROUTE_SPEC];
        if (!declared || typeof layer.route.path !== 'string') {
          const methods = Object.keys(layer.route.methods).join(',');
          throw new Error(`${methods} ${prefix}${String(layer.route.path)} is not declared with route()`);
        }
        found.push({ ...declared, fullPath: expressPathToOpenApi(join(prefix, layer.route.path)) });
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string')
          throw new Error(`a router mounted on a non-string path under ${prefix}`);
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: StackLayer[] } }).router.stack, '');
  return found;
}

/** Stable operation ids (the typed client's method names): method and path words. */
function operationId(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${method}${words.join('')}`;
}

function pathConfig(route: MountedRoute): RouteConfig {
  const path = route.fullPath;
  const declared = pathParamNames(path);
  const given = Object.keys(route.params?.shape ?? {});
  if (declared.join() !== given.join()) {
    throw new Error(
      `${route.method.toUpperCase()} ${path}: path parameters {${declared.join(', ')}} but params (${given.join(', ')})`,
    );
  }
  const responses: RouteConfig['responses'] = {};
  for (const status of Object.keys(route.responses).sort()) {
    const spec = route.responses[Number(status)]!;
    const contentType = spec.contentType ?? 'application/json';
    responses[status] = {
      description: spec.description,
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([name, h]) => [
                name,
                { description: h.description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(spec.schema
        ? { content: { [contentType]: { schema: spec.schema } } }
        : contentType === 'text/html'
          ? { content: { [contentType]: { schema: { type: 'string' } } } }
          : spec.contentType
            ? { content: { [contentType]: {} as never } }
            : {}),
    };
  }
  const body = route.body;
  return {
    method: route.method,
    path,
    operationId: operationId(route.method, path),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security:
      route.security === 'none' || route.security === 'link' ? [] : [{ [route.security]: [] as string[] }],
    ...(route.security === 'link' ? { [LINK_SECURITY_EXTENSION]: true } : {}),
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.headers ? { headers: route.headers } : {}),
      ...(body
        ? {
            body: {
              required: body.required ?? true,
              ...(body.description ? { description: body.description } : {}),
              content: { [body.contentType ?? 'application/json']: { schema: body.schema } },
            },
          }
        : {}),
    },
    responses,
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The OpenAPI 3.1 document of every route the app has (appRoutes), generated from the routes'
 * zod schemas by zod-to-openapi. Deterministic: paths, methods and components in a fixed order.
 */
export function buildOpenApiDocument(
  routes: readonly MountedRoute[],
  options: { serverUrl?: string } = {},
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    registry.registerComponent('securitySchemes', name, scheme as never);
  }
  const seen = new Set<string>();
  const ordered = [...routes].sort(
    (a, b) =>
      (a.fullPath < b.fullPath ? -1 : a.fullPath > b.fullPath ? 1 : 0) ||
      METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
  for (const route of ordered) {
    const key = `${route.method} ${route.fullPath}`;
    if (seen.has(key)) throw new Error(`route ${key} is defined twice`);
    seen.add(key);
    registry.registerPath(pathConfig(route));
  }
  const used = new Set(routes.map((r) => r.tag));
  const tags = [
    ...TAGS.filter((t) => used.has(t.name)),
    ...[...used]
      .filter((t) => !TAGS.some((k) => k.name === t))
      .sort()
      .map((name) => ({ name })),
  ];
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'greenroom',
      version: VERSION,
      description:
        'Connects assessment and reference-check vendors to Greenhouse: the partner API Greenhouse calls, its webhooks, the operators’ API and the pages people open from e-mails.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags,
  }) as unknown as OpenApiDocument;
  doc.paths = sortKeys(doc.paths);
  doc.components.schemas = sortKeys(doc.components.schemas ?? {});
  return doc;
}
