import { randomBytes } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { SecretBox } from '../security/secret-box.js';

/** How long a rotated-out secret keeps signing beside the new one. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

/** A Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes. */
export const generateEndpointSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The secret box binds a secret to its endpoint: copied into another row it does not decrypt. */
const secretPurpose = (endpointId: string) => `vendor-endpoint:${endpointId}`;

export type EndpointRow = NonNullable<Awaited<ReturnType<Database['vendorEndpoint']['findUnique']>>>;

/** What the API shows of an endpoint: never a secret. */
export const endpointView = (row: EndpointRow) => ({
  id: row.id,
  tenant_id: row.tenantId,
  url: row.url,
  event_types: row.eventTypes,
  disabled_at: row.disabledAt?.toISOString() ?? null,
  previous_secret_until: row.previousSecretUntil?.toISOString() ?? null,
  created_at: row.createdAt.toISOString(),
});

/** Vendor endpoints: created with a secret shown once, listed, disabled, rotated with overlap. */
export function vendorEndpointsRepository(db: Database, secrets: SecretBox) {
  return {
    async create(input: { tenantId: string | null; url: string; eventTypes: string[] }) {
      const id = `ep_${randomBytes(10).toString('hex')}`;
      const secret = generateEndpointSecret();
      const row = await db.vendorEndpoint.create({
        data: {
          id,
          tenantId: input.tenantId,
          url: input.url,
          eventTypes: input.eventTypes,
          secretCiphertext: secrets.encrypt(secret, secretPurpose(id)),
        },
      });
      return { row, secret };
    },

    /** Live endpoints within the scope (a tenant's own and the unscoped ones' are not mixed). */
    list: (tenantId: string | null) =>
      db.vendorEndpoint.findMany({
        where: { disabledAt: null, ...(tenantId !== null ? { tenantId } : {}) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),

    find: (id: string) => db.vendorEndpoint.findUnique({ where: { id } }),

    disable: (id: string, at: Date) => db.vendorEndpoint.update({ where: { id }, data: { disabledAt: at } }),

    /** A new secret; the current one keeps signing too until now + SECRET_OVERLAP_MS. */
    async rotate(id: string, now: Date) {
      const current = await db.vendorEndpoint.findUniqueOrThrow({ where: { id } });
      const secret = generateEndpointSecret();
      const row = await db.vendorEndpoint.update({
        where: { id, secretCiphertext: current.secretCiphertext },
        data: {
          secretCiphertext: secrets.encrypt(secret, secretPurpose(id)),
          previousSecretCiphertext: current.secretCiphertext,
          previousSecretUntil: new Date(now.getTime() + SECRET_OVERLAP_MS),
        },
      });
      return { row, secret };
    },
  };
}

/** Endpoints that receive an event: live, the tenant's or unscoped, subscribed to its type. */
export const subscribedEndpoints = (db: Database, event: { tenantId: string | null; type: string }) =>
  db.vendorEndpoint.findMany({
    where: {
      disabledAt: null,
      OR: event.tenantId !== null ? [{ tenantId: null }, { tenantId: event.tenantId }] : [{ tenantId: null }],
      AND: [{ OR: [{ eventTypes: { isEmpty: true } }, { eventTypes: { has: event.type } }] }],
    },
    select: { id: true },
  });

/** The secrets that sign at `now`: the current one, and the previous one during its overlap. */
export function signingSecretsOf(secrets: SecretBox, row: EndpointRow, now: Date): string[] {
  const current = secrets.decrypt(row.secretCiphertext, secretPurpose(row.id));
  const previous =
    row.previousSecretCiphertext && row.previousSecretUntil && row.previousSecretUntil > now
      ? [secrets.decrypt(row.previousSecretCiphertext, secretPurpose(row.id))]
      : [];
  return [current, ...previous];
}
