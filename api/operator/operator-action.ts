import type { IRouter, Request, Response } from 'express';
import type { Database } from '../../db/client.js';
import { handle } from '../http-errors.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { audited, type AuditFacts } from './audit.js';
import { assertRole, assertTenantAccess, canSeeTenant, operatorOf, type OperatorRole } from './identity.js';

export interface ActionRules extends AuditFacts {
  /** The least role the action needs. */
  role: OperatorRole;
}

/**
 * One audited operator write. The rules are checked inside the audit, so a refusal is recorded too
 * (`refused`): the tenant's scope first (404 for another tenant's keys: they learn nothing), then
 * the role (403). `detail` picks what the audit keeps of the result: ids and counts, never a secret
 * (the result itself goes to the caller, not to the audit trail).
 */
export async function operatorAction<T>(
  db: Database,
  res: Response,
  rules: ActionRules,
  run: () => Promise<T>,
  detail: (result: T) => Record<string, unknown> = () => ({}),
): Promise<T> {
  const { role, ...facts } = rules;
  const operator = operatorOf(res);
  let result: T | undefined;
  // A key scoped elsewhere is audited under its own tenant: another tenant's trail must not show it,
  // nor may the entry confirm that the other tenant exists.
  const inScope = !facts.tenantId || canSeeTenant(operator, facts.tenantId);
  const auditFacts = inScope ? facts : { ...facts, tenantId: operator.tenantId, journeyId: null };
  await audited(db, res, auditFacts, async () => {
    if (facts.tenantId) assertTenantAccess(operator, facts.tenantId);
    assertRole(operator, role);
    result = await run();
    return detail(result);
  });
  return result as T;
}

/**
 * The path's `:tenantId` for a read on one tenant, once the operator may see it (404 otherwise, as
 * for an unknown tenant) and, when `role` is given, has that role (403).
 */
export function pathTenant(req: Request, res: Response, role?: OperatorRole): string {
  const tenantId = String(req.params.tenantId);
  const operator = operatorOf(res);
  assertTenantAccess(operator, tenantId);
  if (role) assertRole(operator, role);
  return tenantId;
}

/**
 * An admin write on the path's `:tenantId` (tenant set-up, the catalogue): operatorAction's scope,
 * role and audit, with the tenant handed to `run`. Shared so every such write is checked alike.
 */
export function tenantAdminAction<T>(
  db: Database,
  req: Request,
  res: Response,
  action: string,
  run: (tenantId: string) => Promise<T>,
  detail?: (result: T) => Record<string, unknown>,
): Promise<T> {
  const tenantId = String(req.params.tenantId);
  return operatorAction(db, res, { action, role: 'admin', tenantId }, () => run(tenantId), detail);
}

/**
 * Registers routes that are one tenantAdminAction answering its result as JSON (200), so the many
 * set-up and catalogue writes of that shape each say only their route, action, work and audit detail.
 * Writes that answer another status, or whose audit detail comes from the request, keep their own
 * handler around tenantAdminAction.
 */
export function tenantAdminWrites(router: IRouter, db: Database) {
  return <T>(
    spec: RouteSpec,
    action: string,
    run: (tenantId: string, req: Request) => Promise<T>,
    detail?: (result: T) => Record<string, unknown>,
  ) =>
    route(
      router,
      spec,
      handle(async (req, res) => {
        res.json(await tenantAdminAction(db, req, res, action, (tenantId) => run(tenantId, req), detail));
      }),
    );
}
