import { Router } from 'express';
import { pageSecurityHeaders } from '../pages/security-headers.js';
import { buildOpenApiDocument } from './document.js';
import { renderDocsPage } from './docs-page.js';

const CACHE = 'public, max-age=300';

/**
 * GET /openapi.json (the OpenAPI 3.1 document) and GET /docs (the same as a readable page), both
 * public. Built once, on the first request, from the route registry (routes.ts).
 */
export function openApiRoutes(options: { serverUrl?: string } = {}): Router {
  const router = Router();
  let built: { json: string; html: string } | undefined;
  const get = () => {
    if (!built) {
      const doc = buildOpenApiDocument(options);
      built = { json: JSON.stringify(doc), html: renderDocsPage(doc) };
    }
    return built;
  };

  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', CACHE).type('application/json').send(get().json);
  });
  router.get('/docs', pageSecurityHeaders(), (_req, res) => {
    // Nothing personal on this page: unlike people's pages it may be cached for a while.
    res.set('Cache-Control', CACHE).type('html').send(get().html);
  });
  return router;
}
