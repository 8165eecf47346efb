import type { Database } from '../../db/client.js';
import { hashToken } from '../../security/tokens.js';
import { matchPartnerKey, type PartnerKeyMatch } from '../../tenants/partner-keys.js';

/**
 * Greenhouse polls test_status for every open interview with the same key: asking the database
 * for the key (and for its failed-authentication budget) on every call tripled the endpoint's
 * database round trips (bench/test-status-load.ts). A key that authenticated is trusted for this
 * long in this process without the database. This is the documented bound: a rotated key, a
 * deactivated mode or a retired key's ended overlap is refused at most this long after the change
 * (test/api/test-status-bounds.test.ts). Unknown keys are never cached: they always reach the
 * database and count against their failure budget.
 */
export const PARTNER_KEY_CACHE_TTL_MS = 5_000;
/** Tenants are few; the bound only keeps a flood of valid keys from growing the map without end. */
const MAX_ENTRIES = 1_000;

export interface PartnerKeyCache {
  /** The tenant of a key that authenticated less than the TTL ago, without the database. */
  fresh(apiKey: string): string | undefined;
  /** Asks the database (matchPartnerKey); a success is trusted for the TTL. */
  lookup(apiKey: string): Promise<PartnerKeyMatch>;
}

/**
 * Keyed by the presented key's SHA-256 (microseconds; a slow password hash is not needed: partner
 * keys are long random tokens), so the map holds no usable key. An entry's deadline is set when
 * the database says yes and never extended by hits, so a key polled without pause is still asked
 * about once per TTL. ttlMs 0: every call asks the database.
 */
export function createPartnerKeyCache(
  db: Database,
  ttlMs: number,
  now: () => number = Date.now,
): PartnerKeyCache {
  const entries = new Map<string, { tenantId: string; expiresAt: number }>();
  return {
    fresh(apiKey) {
      if (ttlMs <= 0) return undefined;
      const hash = hashToken(apiKey);
      const hit = entries.get(hash);
      if (!hit) return undefined;
      if (hit.expiresAt > now()) return hit.tenantId;
      entries.delete(hash);
      return undefined;
    },
    async lookup(apiKey) {
      const match = await matchPartnerKey(db, apiKey);
      if (match.ok && ttlMs > 0) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(hashToken(apiKey), { tenantId: match.tenantId, expiresAt: now() + ttlMs });
      }
      return match;
    },
  };
}
