import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  componentRegistry,
  pathParamNames,
  type ParamsSchema,
  type RouteSecurity,
  type RouteSpec,
} from './registry.js';
import { routes as allRoutes } from './routes.js';

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
};

/**
 * Private links have no OpenAPI security scheme (the credential is a path segment): their
 * operations declare `security: []` and this extension, and the `token` parameter says so.
 */
export const LINK_SECURITY_EXTENSION = 'x-greenroom-link-token';

export const AUTH_LABELS: Record<RouteSecurity, string> = {
  operator: 'Operator key (Bearer)',
  partner: 'Partner API key (HTTP Basic, Greenhouse)',
  webhook: 'Webhook signature (Signature header)',
  link: 'Private link: the token in the path',
  none: 'Public',
};

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
  {
    name: 'operator: reconciliation',
    description: 'Repairing Greenhouse write-back: schedules, runs, re-drives.',
  },
  { name: 'operator: probes', description: 'End-to-end probes of API, Temporal, worker and database.' },
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

type Io = 'input' | 'output';
const REF_MARK = '\u0000';

/**
 * Converts zod schemas to JSON Schema 2020-12 (what OpenAPI 3.1 uses), collecting registered
 * components. A component whose input and output shapes differ (defaults, transforms) becomes
 * `<id>Input` and `<id>Output`; otherwise one `<id>`.
 */
class SchemaCollector {
  private readonly defs = new Map<string, Partial<Record<Io, JsonObject>>>();

  convert(schema: z.ZodType, io: Io): JsonObject {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      metadata: componentRegistry,
      unrepresentable: 'throw',
    }) as JsonObject;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonObject>;
    delete json.$defs;
    for (const [id, def] of Object.entries(defs)) {
      if (id.startsWith('__')) {
        throw new Error(`a cyclic schema needs a component id (register it with component()): ${id}`);
      }
      const marked = markRefs(def, io) as JsonObject;
      const variants = this.defs.get(id) ?? {};
      const known = variants[io];
      if (known && JSON.stringify(known) !== JSON.stringify(marked)) {
        throw new Error(`two different schemas are registered as component ${id}`);
      }
      variants[io] = marked;
      this.defs.set(id, variants);
    }
    return markRefs(json, io) as JsonObject;
  }

  /** The final component names and schemas; `resolve` rewrites marked refs to them. */
  finish(): { schemas: Record<string, JsonObject>; resolve: (value: unknown) => unknown } {
    const names = new Map<string, string>();
    const schemas: Record<string, JsonObject> = {};
    for (const [id, variants] of [...this.defs].sort(([a], [b]) => a.localeCompare(b))) {
      const { input, output } = variants;
      if (input && output && JSON.stringify(input) !== JSON.stringify(output)) {
        names.set(`${id}${REF_MARK}input`, `${id}Input`);
        names.set(`${id}${REF_MARK}output`, `${id}Output`);
      } else {
        names.set(`${id}${REF_MARK}input`, id);
        names.set(`${id}${REF_MARK}output`, id);
      }
    }
    const resolve = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(resolve);
      if (!value || typeof value !== 'object') return value;
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string' && v.includes(REF_MARK)) {
          const name = names.get(v);
          if (!name) throw new Error(`unresolved schema reference ${v.replace(REF_MARK, '@')}`);
          out[k] = `#/components/schemas/${name}`;
        } else out[k] = resolve(v);
      }
      return out;
    };
    for (const [id, variants] of this.defs) {
      for (const io of ['input', 'output'] as const) {
        const schema = variants[io];
        if (schema) schemas[names.get(`${id}${REF_MARK}${io}`)!] = resolve(schema) as JsonObject;
      }
    }
    return { schemas: sortKeys(schemas), resolve };
  }
}

/** `#/$defs/X` → a marked reference to component X in the given io (resolved in `finish`). */
function markRefs(value: unknown, io: Io): unknown {
  if (Array.isArray(value)) return value.map((v) => markRefs(v, io));
  if (!value || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string') {
      if (!v.startsWith('#/$defs/')) throw new Error(`unexpected schema reference ${v}`);
      out[k] = `${v.slice('#/$defs/'.length).replace(/~1/g, '/').replace(/~0/g, '~')}${REF_MARK}${io}`;
    } else out[k] = markRefs(v, io);
  }
  return out;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A field is required when the schema refuses `undefined` (no optional, no default). */
const isRequired = (schema: z.ZodType) => !schema.safeParse(undefined).success;

function parameters(
  collector: SchemaCollector,
  where: 'path' | 'query' | 'header',
  object: ParamsSchema | undefined,
): JsonObject[] {
  if (!object) return [];
  return Object.entries(object.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const schema = collector.convert(field, 'input');
    const description = typeof schema.description === 'string' ? schema.description : undefined;
    delete schema.description;
    return {
      name,
      in: where,
      required: where === 'path' ? true : isRequired(field),
      ...(description ? { description } : {}),
      schema,
    };
  });
}

function operationId(route: RouteSpec): string {
  const words = route.path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${route.method}${words.join('')}`;
}

function operation(collector: SchemaCollector, route: RouteSpec): JsonObject {
  const declared = pathParamNames(route.path);
  const given = Object.keys(route.params?.shape ?? {});
  if (declared.join() !== given.join()) {
    throw new Error(
      `${route.method.toUpperCase()} ${route.path}: path parameters {${declared.join(', ')}} but params (${given.join(', ')})`,
    );
  }
  const params = [
    ...parameters(collector, 'path', route.params),
    ...parameters(collector, 'query', route.query),
    ...parameters(collector, 'header', route.headers),
  ];
  if (route.security === 'link') {
    for (const p of params) {
      if (p.in === 'path' && p.name === 'token') {
        p.description = `${String(p.description ?? '')} The token is the credential: keep it private.`.trim();
      }
    }
  }
  const responses: JsonObject = {};
  for (const status of Object.keys(route.responses).sort()) {
    const spec = route.responses[Number(status)]!;
    const contentType = spec.contentType ?? 'application/json';
    const media: JsonObject | null = spec.schema
      ? { schema: collector.convert(spec.schema, 'output') }
      : contentType === 'text/html'
        ? { schema: { type: 'string' } }
        : spec.contentType
          ? {}
          : null;
    responses[status] = {
      description: spec.description,
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([name, h]) => [
                name,
                {
                  description: h.description,
                  schema: h.schema ? collector.convert(h.schema, 'output') : { type: 'string' },
                },
              ]),
            ),
          }
        : {}),
      ...(media ? { content: { [contentType]: media } } : {}),
    };
  }
  const body = route.body;
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security:
      route.security === 'none' || route.security === 'link' ? [] : [{ [route.security]: [] as string[] }],
    ...(route.security === 'link' ? { [LINK_SECURITY_EXTENSION]: true } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body
      ? {
          requestBody: {
            required: body.required ?? true,
            ...(body.description ? { description: body.description } : {}),
            content: {
              [body.contentType ?? 'application/json']: { schema: collector.convert(body.schema, 'input') },
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of every route in the registry (routes.ts), generated from the zod
 * schemas. Deterministic: paths, methods, statuses and components in a fixed order.
 */
export function buildOpenApiDocument(
  options: { serverUrl?: string; routes?: readonly RouteSpec[] } = {},
): OpenApiDocument {
  const list = options.routes ?? allRoutes;
  const collector = new SchemaCollector();
  const seen = new Set<string>();
  const byPath = new Map<string, Map<string, JsonObject>>();
  const ordered = [...list].sort(
    (a, b) =>
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
  for (const route of ordered) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`route ${key} is defined twice`);
    seen.add(key);
    const methods = byPath.get(route.path) ?? new Map<string, JsonObject>();
    methods.set(route.method, operation(collector, route));
    byPath.set(route.path, methods);
  }
  const { schemas, resolve } = collector.finish();
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, methods] of byPath) {
    paths[path] = Object.fromEntries([...methods].map(([m, op]) => [m, resolve(op) as JsonObject]));
  }
  const used = new Set(list.map((r) => r.tag));
  const tags = [
    ...TAGS.filter((t) => used.has(t.name)),
    ...[...used]
      .filter((t) => !TAGS.some((k) => k.name === t))
      .sort()
      .map((name) => ({ name })),
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: 'greenroom',
      version: VERSION,
      description:
        'Connects assessment and reference-check vendors to Greenhouse: the partner API Greenhouse calls, its webhooks, the operators’ API and the pages people open from e-mails.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags,
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}
