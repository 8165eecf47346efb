import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Database } from '../../db/client.js';
import { hashToken } from '../../security/tokens.js';
import { HttpError } from '../http-errors.js';
import type { OperatorIdentity } from './identity.js';
import { operatorKeysRepository } from '../../operators/operator-keys-repository.js';

/** Operator keys are `gro_<random>` (security/tokens.ts generateToken). */
export const OPERATOR_KEY_PREFIX = 'gro';
/** `last_used_at` is written at most this often per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const BOOTSTRAP_OPERATOR: OperatorIdentity = Object.freeze({
  keyId: null,
  name: 'bootstrap',
  role: 'admin',
  tenantId: null,
});

/**
 * Operator authentication: `Authorization: Bearer <key>`, where the key is either the bootstrap key
 * (OPERATOR_API_KEY: an unscoped admin, compared in constant time, hashes first so lengths leak
 * nothing) or an operator key from `operator_keys` (looked up by its SHA-256: not revoked).
 * Sets `res.locals.operator` (identity.ts `operatorOf`). Anything else: 401.
 */
export function requireOperator({
  db,
  operatorKey,
  allowMetricsKey = false,
}: {
  db: Database;
  operatorKey: string | undefined;
  /** The /metrics route: `metrics` keys are let in. Everywhere else they get 403. */
  allowMetricsKey?: boolean;
}): RequestHandler {
  const expected = operatorKey ? sha256(operatorKey) : null;
  const unauthorized = () =>
    new HttpError(401, 'unauthorized', 'a valid operator key is required (Authorization: Bearer …)');
  return (req, res, next) => {
    const presented = bearerToken(req);
    if (presented === null) return next(unauthorized());
    if (expected && timingSafeEqual(sha256(presented), expected)) {
      res.locals.operator = BOOTSTRAP_OPERATOR;
      return next();
    }
    if (!isKeyShaped(presented)) return next(unauthorized());
    findOperatorKey(db, presented)
      .then((identity) => {
        if (!identity) return next(unauthorized());
        if (identity.role === 'metrics' && !allowMetricsKey)
          return next(new HttpError(403, 'forbidden', 'a metrics key may only read /metrics'));
        res.locals.operator = identity;
        next();
      })
      .catch(next);
  };
}

/** The roles of `operator_keys` rows that act on the operator API (and /metrics). */
const OPERATOR_ROLES = ['admin', 'support', 'metrics'] as const;

async function findOperatorKey(db: Database, key: string): Promise<OperatorIdentity | null> {
  // Integration keys are the vendor product's (/vendor/v1): never an operator.
  const row = await findLiveKey(db, key, OPERATOR_ROLES);
  return row && { keyId: row.id, name: row.name, role: row.role, tenantId: row.tenantId };
}

/** The key of `Authorization: Bearer <key>`, or null when the header is absent or another scheme. */
export function bearerToken(req: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match ? match[1]! : null;
}

/** Whether a presented key has our prefix (anything else is refused without a database look-up). */
export const isKeyShaped = (key: string) => key.startsWith(`${OPERATOR_KEY_PREFIX}_`);

type KeyRow = NonNullable<Awaited<ReturnType<ReturnType<typeof operatorKeysRepository>['findByHash']>>>;

/**
 * The `operator_keys` row of a presented key: found by its SHA-256, not revoked, of one of `roles`;
 * null otherwise. Its last use is stamped (at most once per LAST_USED_RESOLUTION_MS). Operator keys
 * and the vendor API's integration keys are rows of one table that differ only by role, so both
 * authentications look keys up here.
 */
export async function findLiveKey<R extends KeyRow['role']>(
  db: Database,
  key: string,
  roles: readonly R[],
): Promise<(KeyRow & { role: R }) | null> {
  const keys = operatorKeysRepository(db);
  const row = await keys.findByHash(hashToken(key));
  if (!row || row.revokedAt || !(roles as readonly KeyRow['role'][]).includes(row.role)) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so concurrent requests write it once; a failure here never refuses the request.
    await keys.touchLastUsed(row.id, now, LAST_USED_RESOLUTION_MS).catch(() => undefined);
  }
  return row as KeyRow & { role: R };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * For the worker's /metrics (no Express there): any live operator key reads metrics, as on the API,
 * Prometheus's read-only `metrics` key included.
 */
export async function operatorKeyReadsMetrics(db: Database, key: string): Promise<boolean> {
  if (!isKeyShaped(key)) return false;
  return (await findOperatorKey(db, key)) !== null;
}
