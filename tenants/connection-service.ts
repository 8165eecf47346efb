import { createGreenhouseConsent } from './connection/greenhouse-consent.js';
import { greenhouseAccess, type ConnectionDeps } from './connection/deps.js';
import { createMappings } from './connection/mappings.js';
import { createModesAndKeys } from './connection/modes.js';
import { createPermissionsAndAuditUser } from './connection/permissions.js';
import { createTenantSettings } from './connection/tenant-settings.js';

export type { ConnectionDeps } from './connection/deps.js';
export { markDisconnected } from './connection/deps.js';
export { AUTHORIZATION_CALLBACK_PATH, V1_RETIREMENT_WARNING } from './connection/greenhouse-consent.js';
export { tenantForPartnerKey } from './connection/modes.js';

/**
 * The operator's set-up flow for one customer (tenant): create, connect Greenhouse, check
 * permissions, choose the audit user, map custom fields, jobs and stages, activate modes. Each job
 * is its own module in tenants/connection/; every step validates fully before it writes, and writes
 * in one statement or transaction.
 */
export function createConnectionService(deps: ConnectionDeps) {
  return {
    credentialsOf: greenhouseAccess(deps).credentialsOf,
    ...createTenantSettings(deps),
    ...createGreenhouseConsent(deps),
    ...createPermissionsAndAuditUser(deps),
    ...createMappings(deps),
    ...createModesAndKeys(deps),
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
