import type { Database } from '../db/client.js';
import type { StoredTokens, TokenStore } from '../greenhouse/harvest/auth.js';
import type { SecretBox } from '../security/secret-box.js';

export const refreshTokenAad = (tenantId: string) => `refresh-token:${tenantId}`;

/**
 * The authorization-code flow's rotating tokens, kept encrypted in the tenant's connection row so
 * that every API and worker process refreshes from (and saves to) the same place.
 */
export function databaseTokenStore(db: Database, secrets: SecretBox, tenantId: string): TokenStore {
  return {
    async load() {
      const row = await db.greenhouseConnection.findUnique({
        where: { tenantId },
        select: { refreshTokenCiphertext: true },
      });
      if (!row?.refreshTokenCiphertext) return null;
      return JSON.parse(
        secrets.decrypt(row.refreshTokenCiphertext, refreshTokenAad(tenantId)),
      ) as StoredTokens;
    },
    async save(tokens) {
      await db.greenhouseConnection.update({
        where: { tenantId },
        data: { refreshTokenCiphertext: secrets.encrypt(JSON.stringify(tokens), refreshTokenAad(tenantId)) },
      });
    },
  };
}
