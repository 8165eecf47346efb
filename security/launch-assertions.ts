import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Database, Prisma } from '../db/client.js';
import type { SecretBox } from './secret-box.js';

export const ASSERTION_ALGORITHM = 'ES256';
/** A launch assertion lives this long: the vendor's page verifies it on arrival. */
export const ASSERTION_LIFETIME_SECONDS = 300;
/**
 * A retired key stays published this long after it stopped signing: well past the assertions it
 * signed (5 minutes) and any JWKS cache.
 */
export const DEFAULT_RETIRED_PUBLISHED_MS = 24 * 3_600_000;
/** Default for rotation: the next key is published this long before it signs (JWKS caches refresh). */
export const DEFAULT_ROTATION_LEAD_MS = 60 * 60_000;

export interface LaunchClaims {
  /** The package (the vendor's id): the assertion's audience. */
  packageId: string;
  packageVersion: number;
  orderId: string;
  tenantId: string;
  candidate: { firstName: string; lastName: string };
  deadlineAt: string | null;
}

const aad = (kid: string) => `signing-key:${kid}`;

/**
 * Signs launch assertions (JWS, ES256) with keys kept in signing_keys: the private JWK encrypted
 * with the secret box, the public JWK served at /.well-known/jwks.json. The first key is made on
 * first use; rotate() publishes the next key `leadMs` before it starts signing, and the old key stays
 * published after it stops, so a vendor's JWKS cache never meets an unknown kid.
 */
export function createLaunchSigner(deps: {
  db: Database;
  secrets: SecretBox;
  issuer: string;
  /** How long an assertion lives (tests shorten it with the overlap). */
  assertionLifetimeSeconds?: number;
  /** How long a retired key stays in the JWKS; never shorter than an assertion's life. */
  retiredPublishedMs?: number;
}) {
  const { db, secrets } = deps;
  const lifetimeSeconds = deps.assertionLifetimeSeconds ?? ASSERTION_LIFETIME_SECONDS;
  const retiredPublishedMs = Math.max(
    deps.retiredPublishedMs ?? DEFAULT_RETIRED_PUBLISHED_MS,
    lifetimeSeconds * 1000,
  );

  async function createKey(activeFrom: Date, kid = `lk_${randomUUID()}`) {
    const { privateKey, publicKey } = await generateKeyPair(ASSERTION_ALGORITHM, { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ASSERTION_ALGORITHM, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ASSERTION_ALGORITHM };
    await db.signingKey.create({
      data: {
        kid,
        algorithm: ASSERTION_ALGORITHM,
        privateKeyCiphertext: secrets.encrypt(JSON.stringify(privateJwk), aad(kid)),
        publicJwk: publicJwk as unknown as Prisma.InputJsonValue,
        activeFrom,
      },
    });
    return kid;
  }

  /** The key that signs now: the newest active one; the first is made here. */
  async function signingKey() {
    const now = new Date();
    const find = () =>
      db.signingKey.findFirst({
        where: { activeFrom: { lte: now }, OR: [{ retiredAt: null }, { retiredAt: { gt: now } }] },
        orderBy: { activeFrom: 'desc' },
      });
    const found = (await find()) ?? (await createKey(now).then(find));
    if (!found) throw new Error('no signing key');
    const jwk = JSON.parse(secrets.decrypt(found.privateKeyCiphertext, aad(found.kid))) as JWK;
    return { kid: found.kid, key: await importJWK(jwk, ASSERTION_ALGORITHM) };
  }

  return {
    async sign(claims: LaunchClaims): Promise<string> {
      const { kid, key } = await signingKey();
      return new SignJWT({
        tenant: claims.tenantId,
        candidate: { first_name: claims.candidate.firstName, last_name: claims.candidate.lastName },
        package: { id: claims.packageId, version: claims.packageVersion },
        deadline_at: claims.deadlineAt,
      })
        .setProtectedHeader({ alg: ASSERTION_ALGORITHM, kid, typ: 'JWT' })
        .setIssuer(deps.issuer)
        .setAudience(claims.packageId)
        .setSubject(claims.orderId)
        .setIssuedAt()
        .setExpirationTime(`${lifetimeSeconds}s`)
        .setJti(randomUUID())
        .sign(key);
    },

    /**
     * Publishes the next key now; it signs from now + leadMs, when the keys signing today retire.
     * Answers the new key's id and when it starts signing. `rotationId` (a scheduled run's id) makes
     * it idempotent: a retried activity gets the key its first attempt made, never a second one.
     */
    async rotate({
      leadMs = DEFAULT_ROTATION_LEAD_MS,
      rotationId,
    }: { leadMs?: number; rotationId?: string } = {}) {
      const fixedKid = rotationId
        ? `lk_${createHash('sha256').update(rotationId).digest('hex').slice(0, 32)}`
        : null;
      const done = fixedKid ? await db.signingKey.findUnique({ where: { kid: fixedKid } }) : null;
      if (done) return { kid: done.kid, activeFrom: done.activeFrom, created: false };
      const activeFrom = new Date(Date.now() + leadMs);
      await signingKey(); // there is a current key to retire (the first rotation of a fresh install)
      const kid = await createKey(activeFrom, fixedKid ?? undefined);
      await db.signingKey.updateMany({
        where: { kid: { not: kid }, OR: [{ retiredAt: null }, { retiredAt: { gt: activeFrom } }] },
        data: { retiredAt: activeFrom },
      });
      return { kid, activeFrom, created: true };
    },

    /** The JWKS: keys that sign, will sign, or signed assertions that may still be presented. */
    async jwks(): Promise<{ keys: JWK[] }> {
      const since = new Date(Date.now() - retiredPublishedMs);
      const rows = await db.signingKey.findMany({
        where: { OR: [{ retiredAt: null }, { retiredAt: { gt: since } }] },
        orderBy: { activeFrom: 'asc' },
      });
      return { keys: rows.map((r) => r.publicJwk as unknown as JWK) };
    },
  };
}
export type LaunchSigner = ReturnType<typeof createLaunchSigner>;
