import { ServiceError } from '../domain/errors.js';
import type { CustomFieldDefinition } from '../domain/result-fields.js';
import { isHarvestError } from '../greenhouse/harvest/errors.js';
import { checkHarvestPermissions } from '../greenhouse/harvest/permissions.js';
import type { HarvestClient } from '../greenhouse/harvest/types.js';
import { RETIRED_V1_REASON } from './credential-refusal.js';
import {
  CredentialRejectedError,
  type ConnectionCredentials,
  type GreenhouseGateway,
  type GreenhouseUser,
} from './greenhouse-gateway.js';

/** Who a Harvest client works for, when known: labels its calls in metrics. */
export interface HarvestClientContext {
  tenantId?: string;
}

/** Builds a Harvest client for one set of credentials (see tenants/harvest-clients.ts). */
export type HarvestClientFactory = (
  credentials: ConnectionCredentials,
  context?: HarvestClientContext,
) => HarvestClient;

/**
 * The connection flow's view of Greenhouse, over the Harvest client. Harvest errors become service
 * errors: a refused credential → CredentialRejectedError (the tenant is marked disconnected),
 * Greenhouse unreachable → upstream_unavailable (retry later), anything else → invalid.
 */
export function createHarvestGateway(clientFor: HarvestClientFactory): GreenhouseGateway {
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (!isHarvestError(err)) throw err;
      if (err.kind === 'retired') throw new CredentialRejectedError(RETIRED_V1_REASON, undefined, true);
      if (err.kind === 'unauthorized' && !err.permission) {
        throw new CredentialRejectedError(`Greenhouse rejected the credential: ${err.message}`);
      }
      if (err.retryable)
        throw new ServiceError('upstream_unavailable', `Greenhouse could not be reached: ${err.message}`);
      throw new ServiceError(
        'invalid',
        err.message,
        err.kind === 'audit_user_missing' ? 'auditUserId' : undefined,
      );
    }
  };

  const users = async (credentials: ConnectionCredentials): Promise<GreenhouseUser[]> => {
    const list: GreenhouseUser[] = [];
    for await (const u of clientFor(credentials).listUsers({ perPage: 500 })) {
      list.push({
        id: String(u.id),
        name: u.name ?? ([u.firstName, u.lastName].filter(Boolean).join(' ') || `user ${u.id}`),
        email: u.primaryEmail,
        siteAdmin: u.siteAdmin === true,
        disabled: u.disabled,
      });
    }
    return list;
  };

  return {
    async verify(credentials) {
      await call(async () => {
        // One cheap authenticated read proves the key (v1) or the client, secret and sub (v3).
        for await (const _user of clientFor(credentials).listUsers({ perPage: 1 })) break;
      });
    },
    listUsers: (credentials) => call(() => users(credentials)),
    listCustomFields: (credentials, scope) =>
      call(async () => {
        const fields = await clientFor(credentials).listCustomFields(scope);
        return fields
          .filter((f) => f.active)
          .map((f): CustomFieldDefinition => ({
            id: String(f.id),
            name: f.name,
            valueType: f.valueType ?? f.fieldType,
            options: f.options.map((o) => o.name),
          }));
      }),
    checkPermissions: (credentials, needs) =>
      call(() => checkHarvestPermissions(clientFor(credentials), needs)),
  };
}
