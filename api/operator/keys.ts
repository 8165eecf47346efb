import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { generateToken, hashToken } from '../../security/tokens.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { OPERATOR_KEY_PREFIX } from './auth.js';
import { assertRole, canSeeTenant, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';
import { err, invalidInput, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';
import { operatorKeysRepository } from '../../operators/operator-keys-repository.js';
import { tenantExists } from '../../tenants/tenants-repository.js';

export const CreateOperatorKeyBody = z.strictObject({
  /** Who holds the key, for the audit trail (e.g. "ana@vendor.example"). */
  name: z.string().trim().min(1, 'must not be empty').max(200),
  /** `metrics`: Prometheus's read-only key, for /metrics only. `integration`: the vendor API only. */
  role: z.enum(['admin', 'support', 'metrics', 'integration']),
  /** Scope the key to one tenant; left out, an unscoped admin creates an unscoped key. */
  tenantId: z.string().trim().min(1).max(100).optional(),
});

const postKeysRoute: RouteSpec = {
  method: 'post',
  path: '/keys',
  tag: 'operator: keys',
  summary: 'Create an operator key (shown once)',
  security: 'operator',
  body: { schema: CreateOperatorKeyBody },
  responses: {
    201: {
      description: 'The key, once: only its SHA-256 is stored.',
      schema: R.OperatorKeyView.pick({ id: true, name: true, role: true, tenantId: true }).extend({
        key: z.string(),
      }),
    },
    400: invalidInput,
    ...operatorAuth,
    422: err('No such tenant.'),
  },
};
const getKeysRoute: RouteSpec = {
  method: 'get',
  path: '/keys',
  tag: 'operator: keys',
  summary: 'List operator keys',
  security: 'operator',
  responses: {
    200: { description: 'Never a key or its hash.', schema: z.array(R.OperatorKeyView) },
    ...operatorAuth,
  },
};
const postKeysKeyIdRevokeRoute: RouteSpec = {
  method: 'post',
  path: '/keys/:keyId/revoke',
  tag: 'operator: keys',
  summary: 'Revoke an operator key',
  security: 'operator',
  params: z.object({ keyId: z.string().min(1) }),
  responses: {
    200: { description: 'Revoked (or already).', schema: R.OperatorKeyView },
    ...operatorAuth,
    404: err('No such key within the caller’s reach.'),
  },
};

/**
 * Operator keys: role- and tenant-scoped Bearer keys for the operator API.
 *
 * Rules: every route is admin only (support: 403). An unscoped admin (or the bootstrap key) creates
 * keys for any tenant or none; an admin scoped to a tenant creates, lists and revokes that tenant's
 * keys only (its keys default to its tenant; another tenant answers as an unknown one would).
 * Creating and revoking are audited (`keys.create`, `keys.revoke`): ids, role, tenant; never the key.
 * The key is shown once, in the creation's response; only its SHA-256 is stored.
 */
export function operatorKeyRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const keys = operatorKeysRepository(db);

  route(
    router,
    postKeysRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const created = await operatorAction(
        db,
        res,
        { action: 'keys.create', role: 'admin' },
        async () => {
          const body = parseInput(CreateOperatorKeyBody, req.body ?? {});
          // Metrics span every tenant: only an unscoped admin hands out the (unscoped) metrics key.
          if (body.role === 'metrics' && operator.tenantId !== null)
            throw new HttpError(403, 'forbidden', 'a metrics key needs an admin key without tenant scope');
          if (body.role === 'metrics' && body.tenantId !== undefined)
            throw new ServiceError('invalid', 'a metrics key is not scoped to a tenant', 'tenantId');
          const tenantId = body.tenantId ?? operator.tenantId;
          if (tenantId !== null) {
            const exists = canSeeTenant(operator, tenantId) && (await tenantExists(db, tenantId));
            if (!exists) throw new ServiceError('invalid', `no tenant ${tenantId}`, 'tenantId');
          }
          const key = generateToken(OPERATOR_KEY_PREFIX);
          const row = await keys.create({
            id: `opk_${randomBytes(8).toString('hex')}`,
            name: body.name,
            role: body.role,
            tenantId,
            keyHash: hashToken(key),
          });
          return { ...row, key };
        },
        (row) => ({ keyId: row.id, role: row.role, tenantId: row.tenantId }),
      );
      res.status(201).json(created);
    }),
  );

  route(
    router,
    getKeysRoute,
    handle(async (_req, res) => {
      const operator = operatorOf(res);
      assertRole(operator, 'admin');
      res.json(await keys.list(operator.tenantId));
    }),
  );

  route(
    router,
    postKeysKeyIdRevokeRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const keyId = String(req.params.keyId);
      const revoked = await operatorAction(
        db,
        res,
        { action: 'keys.revoke', role: 'admin', detail: { keyId } },
        async () => {
          const row = await keys.find(keyId);
          // An unscoped key is out of a scoped admin's reach, like another tenant's.
          if (!row || (operator.tenantId !== null && row.tenantId !== operator.tenantId))
            throw new HttpError(404, 'not_found', `no operator key ${keyId}`);
          if (row.revokedAt) return { ...row, alreadyRevoked: true };
          const updated = await keys.revoke(keyId, new Date());
          return { ...updated, alreadyRevoked: false };
        },
        (row) => ({ role: row.role, tenantId: row.tenantId, alreadyRevoked: row.alreadyRevoked }),
      );
      const { alreadyRevoked: _, ...body } = revoked;
      res.json(body);
    }),
  );
  return router;
}
