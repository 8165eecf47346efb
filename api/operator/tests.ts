import { Router } from 'express';
import { z } from 'zod';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { candidateJourneyKinds, kindModule, kindOfDefinition } from '../../journeys/kinds/index.js';
import { TestId } from '../../domain/assessments/definition.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { pathTenant, tenantAdminAction, tenantAdminWrites } from './operator-action.js';
import {
  err,
  invalidInput,
  operatorAuth,
  noTenant,
  noTest,
  TenantParams,
  TenantTestParams,
} from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';

export const VersionQuery = z.strictObject({
  version: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive whole number')
    .transform(Number)
    .optional(),
});
export const ListQuery = z.strictObject({
  active: z.enum(['true', 'false']).optional(),
});

type Params = Record<string, string | string[] | undefined>;

const putTenantsTenantIdTestsTestIdRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/tests/:testId',
  tag: 'operator: tests',
  summary: 'Define a test or reference-check template (new version when changed)',
  description:
    'The body is the definition; its `testId` may be left out, or must equal the path’s. `kind: "reference_check"` makes it a reference-check template. Same content as the current version: that version, `created: false`.',
  security: 'operator',
  params: TenantTestParams,
  body: { schema: z.union(candidateJourneyKinds.map((kind) => kindModule(kind).catalogue.schema)) },
  responses: {
    201: { description: 'A new test (version 1).', schema: R.PutTestResponse },
    200: { description: 'A new version, or the current one unchanged.', schema: R.PutTestResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
    409: err('The id belongs to the other kind (test vs reference check), or a concurrent change.'),
    422: err('The definition is invalid (`error.field` names the path).'),
  },
};
const getTenantsTenantIdTestsRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/tests',
  tag: 'operator: tests',
  summary: 'List the catalogue',
  security: 'operator',
  params: TenantParams,
  query: ListQuery,
  responses: {
    200: { description: 'Tests and templates, by testId.', schema: R.TestSummaryList },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
  },
};
const getTenantsTenantIdTestsTestIdRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/tests/:testId',
  tag: 'operator: tests',
  summary: 'Read one version of a test or template',
  security: 'operator',
  params: TenantTestParams,
  query: VersionQuery,
  responses: {
    200: { description: 'The version with its definition.', schema: R.CatalogueEntry },
    400: invalidInput,
    ...operatorAuth,
    404: noTest,
  },
};
const postTenantsTenantIdTestsTestIdDeactivateRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/tests/:testId/deactivate',
  tag: 'operator: tests',
  summary: 'Take a test out of list_tests and new invites',
  description: 'Running journeys keep their version.',
  security: 'operator',
  params: TenantTestParams,
  responses: {
    200: { description: 'Inactive.', schema: R.TestActiveResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTest,
  },
};
const postTenantsTenantIdTestsTestIdActivateRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/tests/:testId/activate',
  tag: 'operator: tests',
  summary: 'Put a test back into the catalogue',
  security: 'operator',
  params: TenantTestParams,
  responses: {
    200: { description: 'Active.', schema: R.TestActiveResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTest,
  },
};

/**
 * The tenant's catalogue of tests (domain/assessments/definition.ts) and reference-check templates
 * (domain/reference-checks/template.ts): define and version them, list them,
 * read one version, take a test out of (or back into) the catalogue.
 *
 * Rules: support may read (list, one version); catalogue writes (put, activate, deactivate) are
 * admin only (403 for support) and audited (tests.put, tests.activate, tests.deactivate: the test's
 * id and version). A tenant-scoped key sees its tenant only: any other `:tenantId` answers 404.
 */
export function testRoutes({ db, catalogue }: { db: Database; catalogue: CatalogueService }): Router {
  const router = Router();
  const testId = (params: Params) => parseInput(TestId, params.testId, 'testId');
  const catalogueWrite = tenantAdminWrites(router, db);

  // The body is the definition; its testId may be left out, or must equal the path's.
  const putTest = (tenant: string, params: Params, given: unknown) => {
    const id = testId(params);
    const body: unknown = given ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'invalid_input', 'body: must be a test definition (a JSON object)', 'body');
    }
    const named = (body as { testId?: unknown }).testId;
    if (named !== undefined && named !== id) {
      throw new HttpError(
        400,
        'invalid_input',
        `testId: the body names test ${JSON.stringify(named)} but the path names ${id}`,
        'testId',
      );
    }
    // The body's `kind` picks the definition (`"reference_check"`: a template); without it, a test.
    const { schema } = kindModule(kindOfDefinition(body)).catalogue;
    const definition = parseInput(schema, { ...body, testId: id });
    return catalogue.putTest(tenant, definition);
  };

  route(
    router,
    putTenantsTenantIdTestsTestIdRoute,
    handle(async (req, res) => {
      const result = await tenantAdminAction(
        db,
        req,
        res,
        'tests.put',
        (tenant) => putTest(tenant, req.params, req.body),
        (r) => ({ testId: r.testId, version: r.version, created: r.created }),
      );
      res.status(result.created && result.version === 1 ? 201 : 200).json(result);
    }),
  );
  route(
    router,
    getTenantsTenantIdTestsRoute,
    handle(async (req, res) => {
      const tenant = pathTenant(req, res);
      const { active } = parseInput(ListQuery, req.query, 'query');
      res.json(await catalogue.listTests(tenant, { activeOnly: active === 'true' }));
    }),
  );
  route(
    router,
    getTenantsTenantIdTestsTestIdRoute,
    handle(async (req, res) => {
      const tenant = pathTenant(req, res);
      const { version } = parseInput(VersionQuery, req.query, 'query');
      res.json(await catalogue.getEntry(tenant, testId(req.params), version));
    }),
  );
  const switched = (r: { testId: string; currentVersion: number; active: boolean }) => ({
    testId: r.testId,
    version: r.currentVersion,
    active: r.active,
  });
  catalogueWrite(
    postTenantsTenantIdTestsTestIdDeactivateRoute,
    'tests.deactivate',
    (tenant, req) => catalogue.deactivateTest(tenant, testId(req.params)),
    switched,
  );
  catalogueWrite(
    postTenantsTenantIdTestsTestIdActivateRoute,
    'tests.activate',
    (tenant, req) => catalogue.activateTest(tenant, testId(req.params)),
    switched,
  );
  return router;
}
