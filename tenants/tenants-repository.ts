import type { Database } from '../db/client.js';

/**
 * Reads and writes of `tenants` and `tenant_modes` the API makes outside the connection service:
 * route handlers call these instead of Prisma.
 */

/** Whether a tenant with this id exists. */
export async function tenantExists(db: Database, tenantId: string): Promise<boolean> {
  return (await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } })) !== null;
}

/** One tenant as lists show it, filtered by slug (a tenant-scoped operator's list). */
export function listTenantsById(db: Database, tenantId: string, slug?: string) {
  return db.tenant.findMany({
    where: { id: tenantId, ...(slug ? { slug } : {}) },
    select: { id: true, slug: true, name: true, status: true, createdAt: true },
  });
}

/** Creates the tenant once (the system tenant of probes); an existing one stays as it is. */
export function ensureTenant(db: Database, tenant: { id: string; slug: string; name: string }) {
  return db.tenant.upsert({ where: { id: tenant.id }, create: tenant, update: {} });
}

/** The hosts a tenant's completion callbacks may go to (throws when the tenant does not exist). */
export function tenantCallbackSettings(db: Database, tenantId: string) {
  return db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { callbackHosts: true } });
}

/** The `webhook_trigger` mode of a tenant, with its encrypted secret. */
export function webhookTriggerMode(db: Database, tenantId: string) {
  return db.tenantMode.findUnique({ where: { tenantId_mode: { tenantId, mode: 'webhook_trigger' } } });
}
