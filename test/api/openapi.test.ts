import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Express } from 'express';
import { pino } from 'pino';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp } from '../../api/app.js';
import { buildOpenApiDocument, type JsonObject, type OpenApiDocument } from '../../api/openapi/document.js';
import { defineRoute, expressPathToOpenApi } from '../../api/openapi/registry.js';
import { routes } from '../../api/openapi/routes.js';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { ConnectionService } from '../../tenants/connection-service.js';
import { listen } from '../helpers/http.js';

/**
 * The app as api/main.ts builds it, on stand-in dependencies: building the routers touches none of
 * them, and only /openapi.json and /docs are called, which need none.
 */
function buildApp(): Express {
  const unused = {} as never;
  return createApp({
    db: unused as Database,
    temporal: unused as Client,
    log: pino({ level: 'silent' }),
    taskQueue: 'openapi-test',
    connections: unused as ConnectionService,
    catalogue: unused as CatalogueService,
    secrets: unused as SecretBox,
    operatorApiKey: 'openapi-test-key',
    codec: unused as PayloadCodec,
  });
}

interface StackLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: StackLayer[] };
  rawPath?: unknown;
}

/**
 * Every `METHOD /path` Express routes, walked from `app.router.stack` through mounted routers
 * (Express 5: a mount's path is the layer's `rawPath`), in OpenAPI style (`:token` → `{token}`).
 */
function expressRoutes(app: Express): string[] {
  const found = new Set<string>();
  const join = (prefix: string, path: string) =>
    (prefix + (path === '/' ? '' : path) || '/').replace(/\/+/g, '/');
  const walk = (stack: StackLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== 'string') throw new Error(`route with a non-string path under ${prefix}`);
          if (/[*?{}()]/.test(path)) throw new Error(`document this pattern route by hand: ${path}`);
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (!on || method === '_all') continue;
            found.add(`${method.toLowerCase()} ${expressPathToOpenApi(join(prefix, path))}`);
          }
        }
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string')
          throw new Error(`a router mounted on a non-string path under ${prefix}`);
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  const router = (app as unknown as { router: { stack: StackLayer[] } }).router;
  walk(router.stack, '');
  return [...found].sort();
}

const operations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );

/** Follows a `$ref` into components.schemas. */
const deref = (doc: OpenApiDocument, schema: JsonObject): JsonObject =>
  typeof schema.$ref === 'string'
    ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!
    : schema;

const jsonBody = (op: JsonObject) =>
  ((op.requestBody as JsonObject).content as Record<string, { schema: JsonObject }>)['application/json']!
    .schema;

describe('OpenAPI document', () => {
  let app: Express;
  let api: { url: string; close(): Promise<void> };
  let served: OpenApiDocument;
  let openApiResponse: Response;

  beforeAll(async () => {
    app = buildApp();
    api = await listen(app);
    openApiResponse = await fetch(`${api.url}/openapi.json`);
    served = (await openApiResponse.clone().json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('is served at /openapi.json and validates as OpenAPI 3.1', async () => {
    expect(openApiResponse.status).toBe(200);
    expect(openApiResponse.headers.get('content-type')).toMatch(/^application\/json/);
    expect(openApiResponse.headers.get('cache-control')).toBe('public, max-age=300');
    expect(served.openapi).toBe('3.1.0');
    const result = await new Validator().validate(served as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route Express has, and nothing it does not have', () => {
    const actual = expressRoutes(app);
    const documented = operations(served)
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    // Sanity of the walk itself: routers mounted at the root, under /operator, and app-level routes.
    expect(actual).toEqual(
      expect.arrayContaining(['get /healthz', 'post /operator/probes', 'get /t/{token}']),
    );
    const undocumented = actual.filter((r) => !documented.includes(r));
    const stale = documented.filter((r) => !actual.includes(r));
    expect(undocumented, 'routes without an entry in api/openapi/routes.ts').toEqual([]);
    expect(stale, 'entries in api/openapi/routes.ts for routes the app does not have').toEqual([]);
  });

  it('is deterministic, with sorted paths, and takes its version from package.json', async () => {
    const again = buildOpenApiDocument();
    expect(JSON.stringify(again)).toBe(JSON.stringify(served));
    const paths = Object.keys(served.paths);
    expect(paths).toEqual([...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(served.info).toMatchObject({ title: 'greenroom', version: pkg.version });
    expect(Object.keys(served.components.securitySchemes).sort()).toEqual(['operator', 'partner', 'webhook']);
  });

  it('describes send_test with the partner schema: partner_test_id is required', () => {
    const op = served.paths['/partner/send_test']!.post!;
    expect(op.security).toEqual([{ partner: [] }]);
    const body = deref(served, jsonBody(op));
    expect(body.required).toEqual(expect.arrayContaining(['partner_test_id', 'candidate', 'url']));
    const candidate = deref(served, (body.properties as Record<string, JsonObject>).candidate!);
    expect(candidate.required).toEqual(expect.arrayContaining(['first_name', 'last_name', 'email']));
  });

  it('describes the invite body with its fields', () => {
    const op = served.paths['/operator/tenants/{tenantId}/invites']!.post!;
    const body = deref(served, jsonBody(op));
    expect(Object.keys(body.properties as object).sort()).toEqual(
      ['email', 'firstName', 'jobId', 'lastName', 'testId'].sort(),
    );
    expect((body.required as string[]).sort()).toEqual(['email', 'firstName', 'jobId', 'lastName']);
    expect(body.additionalProperties).toBe(false);
    expect(op.parameters).toEqual([
      expect.objectContaining({ name: 'tenantId', in: 'path', required: true }),
    ]);
  });

  it('answers every JSON 400 (and every operator 401) with the one ErrorBody schema', () => {
    const errorRef = { $ref: '#/components/schemas/ErrorBody' };
    expect(served.components.schemas.ErrorBody).toMatchObject({
      type: 'object',
      required: ['error'],
    });
    let checked = 0;
    for (const { path, method, op } of operations(served)) {
      const responses = op.responses as Record<string, JsonObject>;
      for (const status of ['400', '401']) {
        const json = (responses[status]?.content as Record<string, JsonObject> | undefined)?.[
          'application/json'
        ];
        if (!json) continue;
        expect(json.schema, `${method.toUpperCase()} ${path} ${status}`).toEqual(errorRef);
        checked++;
      }
      if (path.startsWith('/operator/')) {
        expect(op.security, `${method} ${path}`).toEqual([{ operator: [] }]);
        expect(responses['401'], `${method} ${path}`).toBeDefined();
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('lists people’s pages as text/html operations behind their link token', () => {
    const page = served.paths['/t/{token}']!;
    expect(Object.keys(page).sort()).toEqual(['get', 'post']);
    const get = page.get!;
    expect(get.security).toEqual([]);
    expect(get['x-greenroom-link-token']).toBe(true);
    expect(Object.keys((get.responses as Record<string, JsonObject>)['200']!.content as object)).toEqual([
      'text/html',
    ]);
    expect(Object.keys((page.post!.requestBody as JsonObject).content as object)).toEqual([
      'application/x-www-form-urlencoded',
    ]);
  });

  it('refuses a route whose path parameters and params disagree', () => {
    const broken = defineRoute({
      method: 'get',
      path: '/things/{thingId}',
      tag: 'x',
      summary: 'x',
      security: 'none',
      responses: { 200: { description: 'ok' } },
    });
    expect(() => buildOpenApiDocument({ routes: [broken] })).toThrow(/path parameters \{thingId\}/);
    expect(() => buildOpenApiDocument({ routes: [...routes, routes[0]!] })).toThrow(/defined twice/);
  });

  it('serves /docs: a readable page under the pages’ CSP, with every path and no script', async () => {
    const res = await fetch(`${api.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=/i); // no external asset
    for (const { path, method } of operations(served)) {
      expect(html, path).toContain(`<code>${path}</code>`);
      expect(html).toContain(`>${method.toUpperCase()}</span>`);
    }
    // Request body fields and the shared error shape are spelled out.
    expect(html).toContain('<code>partner_test_id</code>');
    expect(html).toContain('<code>candidate.greenhouse_profile_url</code>');
    expect(html).toContain('id="schema-ErrorBody"');
    expect(html).toContain('Partner API key (HTTP Basic, Greenhouse)');
  });
});
