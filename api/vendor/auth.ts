import type { RequestHandler, Response } from 'express';
import type { Database } from '../../db/client.js';
import { HttpError } from '../http-errors.js';
import { err } from '../openapi/common.js';
import { bearerToken, findLiveKey, isKeyShaped } from '../operator/auth.js';

/** Only integration keys call the vendor API (operator_keys rows of this role). */
const INTEGRATION_ROLES = ['integration'] as const;

/** Who calls the vendor API: an integration key, optionally scoped to one tenant. */
export interface IntegrationIdentity {
  keyId: string;
  name: string;
  /** Scoped keys see only this tenant's orders and cannot write packages or endpoints. */
  tenantId: string | null;
}

export const integrationAuth = {
  401: err('No, wrong, revoked or non-integration key (`unauthorized`).'),
  403: err('A tenant-scoped integration key cannot do this (`forbidden`).'),
};

/**
 * Vendor API authentication: `Authorization: Bearer <integration key>`, a live key of role
 * `integration` from operator_keys (same prefix and hashing). Operator keys (and the bootstrap key)
 * get 401 here, as integration keys do on /operator. Sets `res.locals.integration`.
 */
export function requireIntegration({ db }: { db: Database }): RequestHandler {
  const unauthorized = () =>
    new HttpError(401, 'unauthorized', 'a valid integration key is required (Authorization: Bearer …)');
  return (req, res, next) => {
    const presented = bearerToken(req);
    if (presented === null || !isKeyShaped(presented)) return next(unauthorized());
    findLiveKey(db, presented, INTEGRATION_ROLES)
      .then((row) => {
        if (!row) return next(unauthorized());
        res.locals.integration = { keyId: row.id, name: row.name, tenantId: row.tenantId };
        next();
      })
      .catch(next);
  };
}

export function integrationOf(res: Response): IntegrationIdentity {
  const identity = (res.locals as { integration?: IntegrationIdentity }).integration;
  if (!identity) throw new Error('vendor route mounted without requireIntegration');
  return identity;
}

/** Packages and endpoints are the vendor's as a whole: a tenant-scoped key may not write them. */
export function assertUnscoped(identity: IntegrationIdentity, what: string) {
  if (identity.tenantId !== null)
    throw new HttpError(403, 'forbidden', `a tenant-scoped integration key cannot write ${what}`);
}

/** A scoped key's tenant, or the one asked for (unscoped keys); another tenant answers as unknown. */
export const canSeeTenant = (identity: IntegrationIdentity, tenantId: string) =>
  identity.tenantId === null || identity.tenantId === tenantId;
