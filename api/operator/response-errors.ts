import { Router } from 'express';
import type { Database } from '../../db/client.js';
import { handle, HttpError } from '../http-errors.js';
import { pathTenant } from './operator-action.js';
import { operatorAuth, noTenant, TenantParams } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';
import { latestPartnerResponseErrors } from '../../tenants/partner-response-errors-repository.js';
import { tenantExists } from '../../tenants/tenants-repository.js';

const getTenantsTenantIdResponseErrorsRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/response-errors',
  tag: 'operator: response errors',
  summary: 'Answers of ours Greenhouse could not accept',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: { description: 'The last 200, newest first.', schema: R.PartnerResponseErrorList },
    ...operatorAuth,
    404: noTenant,
  },
};

/**
 * What Greenhouse reported through response_error: answers of ours it could not accept.
 *
 * Rules: support and admin may read; a tenant-scoped key its tenant only (another answers 404).
 */
export function responseErrorRoutes({ db }: { db: Database }): Router {
  const router = Router();
  route(
    router,
    getTenantsTenantIdResponseErrorsRoute,
    handle(async (req, res) => {
      const tenantId = pathTenant(req, res);
      if (!(await tenantExists(db, tenantId))) {
        throw new HttpError(404, 'not_found', `no tenant ${tenantId}`);
      }
      res.json(await latestPartnerResponseErrors(db, tenantId));
    }),
  );
  return router;
}
