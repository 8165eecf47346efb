import { Router } from 'express';
import type { Database } from '../../db/client.js';
import { handle, HttpError } from '../http-errors.js';
import { assertTenantAccess, operatorOf } from './identity.js';

/**
 * What Greenhouse reported through response_error: answers of ours it could not accept.
 *
 * Rules: support and admin may read; a tenant-scoped key its tenant only (another answers 404).
 */
export function responseErrorRoutes({ db }: { db: Database }): Router {
  const router = Router();
  router.get(
    '/tenants/:tenantId/response-errors',
    handle(async (req, res) => {
      const tenantId = String(req.params.tenantId);
      assertTenantAccess(operatorOf(res), tenantId);
      if (!(await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) {
        throw new HttpError(404, 'not_found', `no tenant ${tenantId}`);
      }
      res.json(
        await db.partnerResponseError.findMany({
          where: { tenantId },
          orderBy: { receivedAt: 'desc' },
          take: 200,
        }),
      );
    }),
  );
  return router;
}
