import type { Response } from 'express';
import type { Database } from '../../db/client.js';
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
