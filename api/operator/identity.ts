import type { RequestHandler, Response } from 'express';
import type { Database } from '../../db/client.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import { HttpError } from '../http-errors.js';

/** `metrics` keys only read /metrics (Prometheus); `requireOperator` refuses them everywhere else. */
export type OperatorRole = 'admin' | 'support' | 'metrics';

/** Who is calling the operator API: set by `requireOperator` on `res.locals.operator`. */
export interface OperatorIdentity {
  /** The operator key's id; null for the bootstrap key from OPERATOR_API_KEY. */
  keyId: string | null;
  /** The key's holder, for the audit trail ("bootstrap" for the bootstrap key). */
  name: string;
  role: OperatorRole;
  /** Scoped keys see this tenant only. */
  tenantId: string | null;
}

export function operatorOf(res: Response): OperatorIdentity {
  const operator = (res.locals as { operator?: OperatorIdentity }).operator;
  if (!operator) throw new Error('operator route mounted without requireOperator');
  return operator;
}

export const canSeeTenant = (operator: OperatorIdentity, tenantId: string) =>
  operator.tenantId === null || operator.tenantId === tenantId;

/**
 * A key scoped to another tenant learns nothing, not even that the tenant exists: 404, with the
 * same words an unknown tenant gets.
 */
export function assertTenantAccess(
  operator: OperatorIdentity,
  tenantId: string,
  what = `tenant ${tenantId}`,
) {
  if (!canSeeTenant(operator, tenantId)) throw new HttpError(404, 'not_found', `no ${what}`);
}

/**
 * The tenant a list across tenants is filtered on: the one the query asks for, once the operator
 * may see it (404 otherwise), else the key's own; null (every tenant) for an unscoped key that asks
 * for none. One rule for the journey, failed-journey, audit and delivery lists.
 */
export function listedTenant(operator: OperatorIdentity, asked: string | undefined): string | null {
  if (asked) assertTenantAccess(operator, asked);
  return asked ?? operator.tenantId;
}

/** Throws 403 unless the operator has the role (admin can do everything support can). */
export function assertRole(operator: OperatorIdentity, role: OperatorRole) {
  if (role === 'admin' && operator.role !== 'admin')
    throw new HttpError(403, 'forbidden', 'this needs an admin operator key');
  if (operator.role === 'metrics' && role !== 'metrics')
    throw new HttpError(403, 'forbidden', 'a metrics key may only read /metrics');
}

/** Admin-only routes (tenant set-up, connections, keys): support keys get 403. */
export function requireRole(role: OperatorRole): RequestHandler {
  return (_req, res, next) => {
    try {
      assertRole(operatorOf(res), role);
    } catch (err) {
      return next(err);
    }
    next();
  };
}

/**
 * The journey, if the operator may see its tenant; otherwise 404 with the words an unknown journey
 * gets, so a scoped key learns nothing about other tenants' journeys.
 */
export async function loadJourneyInScope(db: Database, operator: OperatorIdentity, journeyId: string) {
  const journey = await journeysOf({ db }).get(journeyId);
  if (!journey || !canSeeTenant(operator, journey.tenantId))
    throw new HttpError(404, 'not_found', `no journey ${journeyId}`);
  return journey;
}
