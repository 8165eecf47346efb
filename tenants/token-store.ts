import type { Database } from '../db/client.js';
import type { StoredTokens, TokenStore } from '../greenhouse/harvest/auth.js';
import type { SecretBox } from '../security/secret-box.js';

export const refreshTokenAad = (tenantId: string) => `refresh-token:${tenantId}`;

/** How long a process may hold a tenant's rotation lock: one token request and one save. */
const ROTATION_LOCK_TIMEOUT_MS = 60_000;

/**
 * The authorization-code flow's rotating tokens, kept encrypted in the tenant's connection row so
 * that every API and worker process refreshes from (and saves to) the same place. `exclusive`
 * holds the row lock (SELECT … FOR UPDATE) across the refresh: a refresh token rotates on use, so
 * two processes refreshing at once would leave one of them holding a spent token.
 */
export function databaseTokenStore(db: Database, secrets: SecretBox, tenantId: string): TokenStore {
  const decode = (ciphertext: string | null | undefined): StoredTokens | null =>
    ciphertext ? (JSON.parse(secrets.decrypt(ciphertext, refreshTokenAad(tenantId))) as StoredTokens) : null;
  const encode = (tokens: StoredTokens) => ({
    refreshTokenCiphertext: secrets.encrypt(JSON.stringify(tokens), refreshTokenAad(tenantId)),
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt ? new Date(tokens.refreshTokenExpiresAt) : null,
  });
  return {
    async load() {
      const row = await db.greenhouseConnection.findUnique({
        where: { tenantId },
        select: { refreshTokenCiphertext: true },
      });
      return decode(row?.refreshTokenCiphertext);
    },
    async save(tokens) {
      await db.greenhouseConnection.update({ where: { tenantId }, data: encode(tokens) });
    },
    async exclusive(fn) {
      return db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<{ refresh_token_ciphertext: string | null }[]>`
            SELECT refresh_token_ciphertext FROM greenhouse_connections
            WHERE tenant_id = ${tenantId} FOR UPDATE`;
          return fn(decode(rows[0]?.refresh_token_ciphertext), async (tokens) => {
            await tx.greenhouseConnection.update({
              where: { tenantId },
              data: { ...encode(tokens), tokensRefreshedAt: new Date() },
            });
          });
        },
        { maxWait: ROTATION_LOCK_TIMEOUT_MS, timeout: ROTATION_LOCK_TIMEOUT_MS },
      );
    },
  };
}
