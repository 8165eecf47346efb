import type { Database } from '../db/client.js';
import type { HarvestClient } from '../greenhouse/harvest/types.js';
import type { SecretBox } from '../security/secret-box.js';
import { recordRefusal, refusalOf, type ConnectionSeen, type Refusal } from './credential-refusal.js';
import { credentialsOf } from './credentials.js';
import type { HarvestClientFactory } from './harvest-gateway.js';
import type { VendorEventSink } from '../vendor/event-types.js';

export interface TenantHarvestDeps {
  db: Database;
  secrets: SecretBox;
  harvestClientFor: HarvestClientFactory;
  /** Tells the vendor when a refusal breaks the connection (vendor/connection-events.ts). */
  vendorEvents?: VendorEventSink;
}

/** A tenant's Harvest client and the stored connection it was built from. */
export interface TenantHarvest {
  client: HarvestClient;
  connection: ConnectionSeen & { status: string; statusReason: string | null };
  /**
   * Whether `err` is Greenhouse refusing this credential (directly, or as an error's cause); if so
   * the refusal is recorded on the tenant (unless it reconnected since) and returned.
   */
  refused(err: unknown): Promise<Refusal | null>;
}

/**
 * The one way the product builds a Harvest client for a tenant's stored connection: always with the
 * tenant id (metrics, the shared token and rate budget), always knowing which connection a refusal
 * marks. Null when the tenant has not connected Greenhouse. The caller decides what a connection
 * that is not `connected` means for it (wait, report, or skip).
 */
export async function harvestClientForTenant(
  deps: TenantHarvestDeps,
  tenantId: string,
): Promise<TenantHarvest | null> {
  const connection = await deps.db.greenhouseConnection.findUnique({ where: { tenantId } });
  if (!connection) return null;
  const client = deps.harvestClientFor(credentialsOf(deps.db, deps.secrets, connection), { tenantId });
  return {
    client,
    connection,
    async refused(err) {
      const refusal =
        refusalOf(err, connection.authKind) ??
        refusalOf(err instanceof Error ? err.cause : null, connection.authKind);
      if (refusal) await recordRefusal(deps.db, connection, refusal, deps.vendorEvents);
      return refusal;
    },
  };
}
