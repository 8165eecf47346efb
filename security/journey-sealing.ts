import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import { isSealed, type SealedValue } from '../domain/sealed.js';
import type { SecretBox } from './secret-box.js';

/** The journey's data key was destroyed: its sealed values are gone for good. */
export class ErasedDataError extends Error {
  override name = 'ErasedDataError';
}

const keyPurpose = (journeyId: string) => `journey-data-key:${journeyId}`;

/**
 * Seals personal data per journey (AES-256-GCM, the journey id as associated data) with a key
 * kept encrypted in `journey_data_keys`. Destroying the key (erasure) leaves every copy of the
 * sealed values — Temporal's history included — unreadable: crypto-shredding.
 */
export function createJourneySealer({ db, secrets }: { db: Database; secrets: SecretBox }) {
  async function keyOf(journeyId: string, create: boolean): Promise<Buffer> {
    let row = await db.journeyDataKey.findUnique({ where: { journeyId } });
    if (!row && create) {
      const key = randomBytes(32);
      await db.journeyDataKey
        .create({
          data: { journeyId, keyCiphertext: secrets.encrypt(key.toString('base64'), keyPurpose(journeyId)) },
        })
        .catch((err: unknown) => {
          // Another request created it first: use that one.
          if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        });
      row = await db.journeyDataKey.findUnique({ where: { journeyId } });
    }
    if (!row || row.destroyedAt || !row.keyCiphertext)
      throw new ErasedDataError(`the personal data of journey ${journeyId} was erased`);
    return Buffer.from(secrets.decrypt(row.keyCiphertext, keyPurpose(journeyId)), 'base64');
  }

  return {
    async seal(journeyId: string, value: unknown): Promise<SealedValue> {
      const key = await keyOf(journeyId, true);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(journeyId));
      const body = Buffer.concat([
        cipher.update(JSON.stringify(value) ?? 'null', 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return { sealed: `gs1.${iv.toString('base64url')}.${body.toString('base64url')}` };
    },

    /** The value inside; a value that was never sealed (older journeys) is returned as it is. */
    async unseal<T = unknown>(journeyId: string, value: unknown): Promise<T> {
      if (!isSealed(value)) return value as T;
      const [, iv, body] = value.sealed.split('.');
      const key = await keyOf(journeyId, false);
      const bytes = Buffer.from(body ?? '', 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAAD(Buffer.from(journeyId));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const plain = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    },

    /** Destroys the journey's key (idempotent): what was sealed with it can never be read again. */
    async destroy(journeyId: string): Promise<void> {
      await db.journeyDataKey.upsert({
        where: { journeyId },
        create: { journeyId, keyCiphertext: '', destroyedAt: new Date() },
        update: { keyCiphertext: '', destroyedAt: new Date() },
      });
    },
  };
}
export type JourneySealer = ReturnType<typeof createJourneySealer>;
