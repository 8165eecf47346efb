import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express, { Router, type Express } from 'express';
import { pino } from 'pino';
import { z } from 'zod';
import { Validator } from '@seriousme/openapi-schema-validator';
import {
  appRoutes,
  buildOpenApiDocument,
  type JsonObject,
  type OpenApiDocument,
} from '../../api/openapi/document.js';
import { checkResponses } from '../../api/openapi/response-check.js';
import { route } from '../../api/openapi/route.js';
import { listen } from '../helpers/http.js';
import { appWithoutDependencies } from '../helpers/routes.js';

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
    app = appWithoutDependencies();
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

  it('is read from the routes Express has: every router, mounted or not', () => {
    const documented = operations(served).map(({ method, path }) => `${method} ${path}`);
    expect(documented).toEqual(
      expect.arrayContaining([
        'get /healthz', // app-level router
        'get /metrics', // on the app itself
        'post /operator/probes', // under the /operator mount
        'post /codec/decode', // under /codec
        'get /t/{token}',
        'post /webhooks/greenhouse/{tenantId}',
      ]),
    );
    expect(documented.length).toBe(appRoutes(app).length);
    // Operation ids are the typed client's method names: method and path words, stable.
    const ids = operations(served).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(served.paths['/operator/tenants/{tenantId}/tests/{testId}']!.put!.operationId).toBe(
      'putOperatorTenantsTenantIdTestsTestId',
    );
  });

  it('refuses a route registered without its declaration', () => {
    const bare = express();
    const router = Router();
    router.get('/undeclared', (_req, res) => void res.json({}));
    bare.use('/x', router);
    expect(() => appRoutes(bare)).toThrow(/get \/x\/undeclared is not declared with route\(\)/);
  });

  it('is deterministic, with sorted paths, and takes its version from package.json', async () => {
    const again = buildOpenApiDocument(appRoutes(appWithoutDependencies()));
    expect(JSON.stringify(again)).toBe(JSON.stringify(served));
    const paths = Object.keys(served.paths);
    expect(paths).toEqual([...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(served.info).toMatchObject({ title: 'greenroom', version: pkg.version });
    expect(Object.keys(served.components.securitySchemes).sort()).toEqual([
      'integration',
      'operator',
      'partner',
      'webhook',
    ]);
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

  it('refuses a declaration whose path parameters and params disagree, and a route declared twice', () => {
    const routes = appRoutes(app);
    const broken = { ...routes[0]!, fullPath: '/things/{thingId}', params: undefined };
    expect(() => buildOpenApiDocument([broken])).toThrow(/path parameters \{thingId\}/);
    expect(() => buildOpenApiDocument([...routes, routes[0]!])).toThrow(/defined twice/);
  });

  it('serves /docs: Swagger UI from its npm package, under a CSP that allows only this origin', async () => {
    const res = await fetch(`${api.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    // No inline script (the CSP would refuse it) and nothing from another origin.
    expect(html).not.toMatch(/<script>/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/init.js']),
    );
    // The bundle is the package's own file, byte for byte.
    const dir = createRequire(import.meta.url)
      .resolve('swagger-ui-dist/package.json')
      .replace(/package\.json$/, '');
    const bundle = await fetch(`${api.url}/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toBe(await readFile(`${dir}swagger-ui-bundle.js`, 'utf8'));
    const init = await (await fetch(`${api.url}/docs/assets/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    // Only the files the page needs: not the package's demo page.
    expect((await fetch(`${api.url}/docs/assets/index.html`)).status).toBe(404);
  });
});

describe('response check (the tests’ apps run with it on)', () => {
  let api: { url: string; close(): Promise<void> };
  const errors: unknown[] = [];

  beforeAll(async () => {
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) });
    const app = express();
    app.use(checkResponses(log));
    const router = Router();
    route(
      router,
      {
        method: 'get',
        path: '/thing/:answer',
        tag: 'x',
        summary: 'answers what the path says',
        security: 'none',
        params: z.object({ answer: z.string() }),
        responses: { 200: { description: 'ok', schema: z.object({ status: z.literal('ok') }) } },
      },
      (req, res) => {
        const answer = String(req.params.answer);
        if (answer === 'teapot') return void res.status(418).json({ status: 'ok' });
        res.json({ status: answer });
      },
    );
    app.use(router);
    api = await listen(app);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('passes an answer that matches its declaration', async () => {
    const res = await fetch(`${api.url}/thing/ok`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('catches a wrong answer: 500 and a log line naming the route and the field', async () => {
    const res = await fetch(`${api.url}/thing/wrong`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('undeclared_response');
    expect(body.error.message).toMatch(/^GET \/thing\/:answer 200: status: /);
    expect(errors).toContainEqual(
      expect.objectContaining({ msg: 'response does not match its declared schema' }),
    );
  });

  it('catches an undeclared status', async () => {
    const res = await fetch(`${api.url}/thing/teapot`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'status 418 is not declared',
    );
  });
});
