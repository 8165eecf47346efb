import type { Database } from '../db/client.js';
import { hashToken } from '../security/tokens.js';

/** What a presented partner key is: the tenant's current key, its previous one (overlap), or neither. */
export type PartnerKeyMatch =
  | { ok: true; tenantId: string; which: 'current' | 'previous' }
  /** tenantId: the tenant whose retired key this is, when it is one (for per-tenant failure counts). */
  | { ok: false; tenantId: string | null };

/**
 * Finds the tenant of a partner API key (Greenhouse → send_test, test_status, …). Greenhouse staff
 * type rotated keys in by hand, so the key before the last rotation stays valid until the new one is
 * first used, or until its overlap ends (the tenant's partnerKeyOverlapDays at rotation).
 */
export async function matchPartnerKey(db: Database, key: string, now = new Date()): Promise<PartnerKeyMatch> {
  const hash = hashToken(key);
  const current = await db.tenantMode.findUnique({ where: { partnerKeyHash: hash } });
  if (current) {
    if (!current.active || current.mode !== 'greenhouse_invite')
      return { ok: false, tenantId: current.tenantId };
    if (current.previousPartnerKeyHash) {
      // The new key is in use: the old one has served its purpose.
      await db.tenantMode.updateMany({
        where: { tenantId: current.tenantId, mode: current.mode, partnerKeyHash: hash },
        data: { previousPartnerKeyHash: null, previousPartnerKeyValidUntil: null },
      });
    }
    return { ok: true, tenantId: current.tenantId, which: 'current' };
  }
  const previous = await db.tenantMode.findUnique({ where: { previousPartnerKeyHash: hash } });
  if (!previous) return { ok: false, tenantId: null };
  const valid =
    previous.active &&
    previous.mode === 'greenhouse_invite' &&
    previous.previousPartnerKeyValidUntil !== null &&
    previous.previousPartnerKeyValidUntil > now;
  return valid
    ? { ok: true, tenantId: previous.tenantId, which: 'previous' }
    : { ok: false, tenantId: previous.tenantId };
}

/** The rotation's bookkeeping: the key being replaced becomes the previous key for `overlapDays`. */
export function rotatedKeyFields(
  existing: { partnerKeyHash: string | null } | undefined,
  newHash: string,
  overlapDays: number,
  now = new Date(),
) {
  const keepOld = existing?.partnerKeyHash && existing.partnerKeyHash !== newHash && overlapDays > 0;
  return {
    partnerKeyHash: newHash,
    previousPartnerKeyHash: keepOld ? existing.partnerKeyHash : null,
    previousPartnerKeyValidUntil: keepOld ? new Date(now.getTime() + overlapDays * 86_400_000) : null,
  };
}
