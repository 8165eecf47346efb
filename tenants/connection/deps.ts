import type { Database } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { ConnectionUpkeep } from '../connection-upkeep.js';
import { credentialsOf as decryptCredentials, type StoredConnection } from '../credentials.js';
import { CredentialRejectedError, type GreenhouseGateway } from '../greenhouse-gateway.js';

export interface ConnectionDeps {
  db: Database;
  secrets: SecretBox;
  gateway: GreenhouseGateway;
  /** Our public address: Greenhouse redirects the consenting admin back to it. */
  publicBaseUrl: string;
  fetch?: typeof fetch;
  /** After a (re)connect: the token refresh Schedule and the waiting journeys (tenants/connection-upkeep.ts). */
  upkeep?: ConnectionUpkeep;
}

/** The tenant with its connection and modes, or a not_found the operator reads. */
export async function requireTenant(db: Database, tenantId: string) {
  const tenant = await db.tenant.findUnique({
    where: { id: tenantId },
    include: { greenhouseConnection: true, modes: true },
  });
  if (!tenant) throw new ServiceError('not_found', `no tenant ${tenantId}`);
  return tenant;
}

/** The tenant and its Greenhouse connection; steps that call Greenhouse need one. */
export async function requireConnection(db: Database, tenantId: string) {
  const tenant = await requireTenant(db, tenantId);
  if (!tenant.greenhouseConnection) {
    throw new ServiceError('precondition', `tenant ${tenantId} is not connected to Greenhouse yet`);
  }
  return { tenant, connection: tenant.greenhouseConnection };
}

/** What the operator steps that call Greenhouse share: the stored credential, and the disconnect on refusal. */
export function greenhouseAccess({ db, secrets }: Pick<ConnectionDeps, 'db' | 'secrets'>) {
  return {
    credentialsOf: (connection: StoredConnection) => decryptCredentials(db, secrets, connection),
    /** Runs a Greenhouse call; a rejected credential marks the tenant disconnected, with the reason. */
    async withGreenhouse<T>(tenantId: string, call: () => Promise<T>): Promise<T> {
      try {
        return await call();
      } catch (err) {
        if (err instanceof CredentialRejectedError) await markDisconnected(db, tenantId, err.message);
        throw err;
      }
    },
  };
}

/** Records that Greenhouse stopped accepting a tenant's credential, in words the operator reads. */
export async function markDisconnected(
  db: Database,
  tenantId: string,
  reason: string,
  status: 'disconnected' | 'needs_consent' = 'disconnected',
): Promise<void> {
  await db.$transaction([
    db.greenhouseConnection.updateMany({
      where: { tenantId },
      data: { status, statusReason: reason },
    }),
    db.tenant.update({ where: { id: tenantId }, data: { status: 'disconnected' } }),
  ]);
}
