import type { Database } from '../db/client.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken } from '../security/tokens.js';
import type { ConnectionCredentials } from './greenhouse-gateway.js';
import { databaseTokenStore } from './token-store.js';

/** Associated data binds each stored ciphertext to its purpose and tenant (security/secret-box.ts). */
export const secretPurpose = {
  harvestSecret: (tenantId: string) => `harvest-secret:${tenantId}`,
  callbackCredential: (tenantId: string) => `callback-credential:${tenantId}`,
  webhookSecret: (tenantId: string) => `webhook-secret:${tenantId}`,
  pendingSecret: (state: string) => `pending-authorization:${hashToken(state)}`,
};

export interface StoredConnection {
  tenantId: string;
  authKind: string;
  harvestBaseUrl: string;
  authBaseUrl: string | null;
  clientId: string | null;
  secretCiphertext: string;
  auditUserId: string | null;
}

/** Decrypts a tenant's stored Greenhouse connection into credentials a Harvest client can use. */
export function credentialsOf(
  db: Database,
  secrets: SecretBox,
  connection: StoredConnection,
): ConnectionCredentials {
  const secret = secrets.decrypt(
    connection.secretCiphertext,
    secretPurpose.harvestSecret(connection.tenantId),
  );
  switch (connection.authKind) {
    case 'v3_authorization_code':
      return {
        kind: 'v3_authorization_code',
        harvestBaseUrl: connection.harvestBaseUrl,
        authBaseUrl: connection.authBaseUrl ?? '',
        clientId: connection.clientId ?? '',
        clientSecret: secret,
        auditUserId: connection.auditUserId,
        tokenStore: databaseTokenStore(db, secrets, connection.tenantId),
      };
    case 'v1_key':
      return {
        kind: 'v1_key',
        harvestBaseUrl: connection.harvestBaseUrl,
        apiKey: secret,
        auditUserId: connection.auditUserId,
      };
    default:
      return {
        kind: 'v3_client_credentials',
        harvestBaseUrl: connection.harvestBaseUrl,
        authBaseUrl: connection.authBaseUrl ?? '',
        clientId: connection.clientId ?? '',
        clientSecret: secret,
        auditUserId: connection.auditUserId ?? '',
      };
  }
}
