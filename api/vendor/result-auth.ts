import type { RequestHandler, Response } from 'express';
import type { Database } from '../../db/client.js';
import { operatorKeysRepository } from '../../operators/operator-keys-repository.js';
import { hashToken } from '../../security/tokens.js';
import { HttpError } from '../http-errors.js';
import { OPERATOR_KEY_PREFIX } from '../operator/auth.js';

/**
 * Minimal integration-key check for the result and progress routes (until api/vendor/auth.ts from
 * the vendor API lands: swap for its middleware). `Authorization: Bearer <integration key>`.
 */
export interface IntegrationIdentity {
  keyId: string;
  tenantId: string | null;
}

export function requireIntegrationKey({ db }: { db: Database }): RequestHandler {
  const unauthorized = () =>
    new HttpError(401, 'unauthorized', 'a valid integration key is required (Authorization: Bearer …)');
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !match[1]!.startsWith(`${OPERATOR_KEY_PREFIX}_`)) return next(unauthorized());
    operatorKeysRepository(db)
      .findByHash(hashToken(match[1]!))
      .then((row) => {
        if (!row || row.revokedAt || row.role !== 'integration') return next(unauthorized());
        res.locals.integration = { keyId: row.id, tenantId: row.tenantId } satisfies IntegrationIdentity;
        next();
      })
      .catch(next);
  };
}

export function integrationOf(res: Response): IntegrationIdentity {
  const identity = (res.locals as { integration?: IntegrationIdentity }).integration;
  if (!identity) throw new Error('vendor route mounted without requireIntegrationKey');
  return identity;
}
