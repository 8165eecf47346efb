import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { pageSecurityHeaders } from '../pages/security-headers.js';
import { htmlPage } from './common.js';
import { appRoutes, buildOpenApiDocument } from './document.js';
import { route } from './route.js';

const CACHE = 'public, max-age=300';
const ASSETS = '/docs/assets';

/** Swagger UI's files, from its npm package (no CDN): the page works offline. */
const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assetFiles: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
};
// Our start-up script as a file: the CSP allows scripts from this origin only, none inline.
const initScript = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
`;
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>greenroom API</title>
<link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS}/swagger-ui-bundle.js"></script>
<script src="${ASSETS}/init.js"></script>
</body>
</html>
`;

/** Swagger UI needs its own scripts, inline styles and data: images; nothing from elsewhere. */
const docsCsp = {
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'form-action': "'none'",
};

const serveAsset: RequestHandler = (req, res, next) => {
  const name = req.path.slice(1);
  res.set('Cache-Control', CACHE).set('X-Content-Type-Options', 'nosniff');
  if (name === 'init.js') return void res.type('text/javascript').send(initScript);
  const type = assetFiles[name];
  if (!type) return next();
  res.type(type).sendFile(join(swaggerUiDir, name));
};

/**
 * GET /openapi.json (the OpenAPI 3.1 document of every route the app has, built on the first
 * request from the routes' declarations) and GET /docs (Swagger UI on it), both public.
 */
export function openApiRoutes(options: { serverUrl?: string } = {}): Router {
  const router = Router();
  let json: string | undefined;

  route(
    router,
    {
      method: 'get',
      path: '/openapi.json',
      tag: 'docs',
      summary: 'This OpenAPI 3.1 document',
      security: 'none',
      responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
    },
    (req, res) => {
      json ??= JSON.stringify(buildOpenApiDocument(appRoutes(req.app), options));
      res.set('Cache-Control', CACHE).type('application/json').send(json);
    },
  );
  route(
    router,
    {
      method: 'get',
      path: '/docs',
      tag: 'docs',
      summary: 'The API reference as a page',
      security: 'none',
      responses: { 200: htmlPage('Swagger UI on /openapi.json.') },
    },
    pageSecurityHeaders({ csp: docsCsp }),
    (_req, res) => {
      // Nothing personal on this page: unlike people's pages it may be cached for a while.
      res.set('Cache-Control', CACHE).type('html').send(docsPage);
    },
  );
  router.use(ASSETS, serveAsset);
  return router;
}
