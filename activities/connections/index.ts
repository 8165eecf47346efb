import type { Database } from '../../db/client.js';
import { V3AuthorizationCodeAuth } from '../../greenhouse/harvest/auth.js';
import { toActivityFailure } from '../../greenhouse/harvest/activity-failure.js';
import type { SecretBox } from '../../security/secret-box.js';
import { credentialsOf } from '../../tenants/credentials.js';
import { recordRefusal, refusalOf } from '../../tenants/credential-refusal.js';
import type { ConnectionActivities } from './types.js';
import type { VendorEventSink } from '../../vendor/event-types.js';

export interface ConnectionActivityDeps {
  db: Database;
  secrets: SecretBox;
  fetch?: typeof fetch;
  /** Tells the vendor when a refused refresh breaks the connection. */
  vendorEvents?: VendorEventSink;
}

/**
 * Keeps authorization-code connections alive: Greenhouse's refresh tokens expire 24 hours after
 * they are issued, so a tenant with no Harvest traffic for a day would lose its connection. The
 * refresh rotates the token under the connection row's lock (tenants/token-store.ts); a refusal
 * marks the tenant "needs consent" in plain words.
 */
export function createConnectionActivities(deps: ConnectionActivityDeps): ConnectionActivities {
  const { db, secrets } = deps;
  return {
    async refreshTenantTokens({ tenantId }) {
      const connection = await db.greenhouseConnection.findUnique({ where: { tenantId } });
      if (!connection || connection.authKind !== 'v3_authorization_code')
        return {
          outcome: 'skipped',
          detail: 'not an authorization-code connection',
          refreshTokenExpiresAt: null,
        };
      if (connection.status !== 'connected')
        return {
          outcome: 'skipped',
          detail: `the connection is ${connection.status}: ${connection.statusReason ?? 'no reason recorded'}`,
          refreshTokenExpiresAt: null,
        };
      const credentials = credentialsOf(db, secrets, connection);
      if (credentials.kind !== 'v3_authorization_code') throw new Error('unreachable');
      const auth = new V3AuthorizationCodeAuth({
        tokenUrl: `${credentials.authBaseUrl.replace(/\/$/, '')}/token`,
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        tokenStore: credentials.tokenStore,
        auditUserId: credentials.auditUserId ? Number(credentials.auditUserId) : null,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        timeoutMs: 30_000,
      });
      try {
        const { refreshTokenExpiresAt } = await auth.refreshNow();
        return {
          outcome: 'refreshed',
          detail: 'refresh token rotated',
          refreshTokenExpiresAt: refreshTokenExpiresAt ? new Date(refreshTokenExpiresAt).toISOString() : null,
        };
      } catch (err) {
        const refusal = refusalOf(err, connection.authKind);
        if (!refusal) throw toActivityFailure(err);
        await recordRefusal(
          db,
          { tenantId, authKind: connection.authKind, secretCiphertext: connection.secretCiphertext },
          refusal,
          deps.vendorEvents,
        );
        return { outcome: 'needs_consent', detail: refusal.reason, refreshTokenExpiresAt: null };
      }
    },
  };
}
