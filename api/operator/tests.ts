import { Router } from 'express';
import { z } from 'zod';
import type { CatalogueService } from '../../catalogue/service.js';
import { TestDefinition, TestId } from '../../domain/tests/definition.js';
import { handle, HttpError, parseInput } from '../http-errors.js';

const VersionQuery = z.strictObject({
  version: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive whole number')
    .transform(Number)
    .optional(),
});
const ListQuery = z.strictObject({
  active: z.enum(['true', 'false']).optional(),
});

/**
 * The tenant's test catalogue (domain/tests/definition.ts): define and version tests, list them,
 * read one version, take a test out of (or back into) the catalogue.
 */
export function testRoutes({ catalogue }: { catalogue: CatalogueService }): Router {
  const router = Router();
  const tenantId = (params: Record<string, string | string[] | undefined>) => String(params.tenantId);
  const testId = (params: Record<string, string | string[] | undefined>) =>
    parseInput(TestId, params.testId, 'testId');

  // The body is the definition; its testId may be left out, or must equal the path's.
  router.put(
    '/tenants/:tenantId/tests/:testId',
    handle(async (req, res) => {
      const id = testId(req.params);
      const body: unknown = req.body ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new HttpError(400, 'invalid_input', 'body: must be a test definition (a JSON object)', 'body');
      }
      const given = (body as { testId?: unknown }).testId;
      if (given !== undefined && given !== id) {
        throw new HttpError(
          400,
          'invalid_input',
          `testId: the body names test ${JSON.stringify(given)} but the path names ${id}`,
          'testId',
        );
      }
      const definition = parseInput(TestDefinition, { ...body, testId: id });
      const result = await catalogue.putTest(tenantId(req.params), definition);
      res.status(result.created && result.version === 1 ? 201 : 200).json(result);
    }),
  );
  router.get(
    '/tenants/:tenantId/tests',
    handle(async (req, res) => {
      const { active } = parseInput(ListQuery, req.query, 'query');
      res.json(await catalogue.listTests(tenantId(req.params), { activeOnly: active === 'true' }));
    }),
  );
  router.get(
    '/tenants/:tenantId/tests/:testId',
    handle(async (req, res) => {
      const { version } = parseInput(VersionQuery, req.query, 'query');
      res.json(await catalogue.getTest(tenantId(req.params), testId(req.params), version));
    }),
  );
  router.post(
    '/tenants/:tenantId/tests/:testId/deactivate',
    handle(async (req, res) => {
      res.json(await catalogue.deactivateTest(tenantId(req.params), testId(req.params)));
    }),
  );
  router.post(
    '/tenants/:tenantId/tests/:testId/activate',
    handle(async (req, res) => {
      res.json(await catalogue.activateTest(tenantId(req.params), testId(req.params)));
    }),
  );
  return router;
}
