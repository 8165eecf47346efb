import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for secrets we must read back (Harvest keys and client secrets, refresh tokens,
 * webhook secrets, completion-callback credentials): AES-256-GCM with a key id in every ciphertext,
 * so keys rotate without re-encrypting (old ciphertexts stay readable while their key is listed).
 *
 * Format: `gr1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>`. The associated data binds a
 * ciphertext to its purpose and owner (e.g. `harvest:tenant_1`): a secret copied into another row
 * does not decrypt there.
 */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export interface SecretBox {
  encrypt(plaintext: string, associatedData: string): string;
  decrypt(ciphertext: string, associatedData: string): string;
  readonly currentKeyId: string;
}

const FORMAT = 'gr1';

/** Parses `id:base64key[,id:base64key…]`; the first key encrypts, all of them decrypt. */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/_=-]+)$/.exec(part);
      if (!match) throw new SecretBoxError('each key must look like <id>:<base64 of 32 bytes>');
      const key = Buffer.from(match[2]!, 'base64');
      if (key.length !== 32)
        throw new SecretBoxError(`key ${match[1]} must be 32 bytes (base64), got ${key.length}`);
      return { id: match[1]!, key };
    });
  if (keys.length === 0) throw new SecretBoxError('at least one key is required');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new SecretBoxError('key ids must be unique');
  return keys;
}

export function generateEncryptionKeySpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function createSecretBox(keys: EncryptionKey[]): SecretBox {
  const current = keys[0];
  if (!current) throw new SecretBoxError('at least one key is required');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    currentKeyId: current.id,
    encrypt(plaintext, associatedData) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        FORMAT,
        current.id,
        iv.toString('base64url'),
        tag.toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    decrypt(ciphertext, associatedData) {
      const [format, keyId, iv, tag, body] = ciphertext.split('.');
      if (format !== FORMAT || !keyId || !iv || !tag || body === undefined) {
        throw new SecretBoxError('not a greenroom ciphertext');
      }
      const key = byId.get(keyId);
      if (!key) throw new SecretBoxError(`encryption key ${keyId} is not configured`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch (err) {
        throw new SecretBoxError('the secret could not be decrypted (wrong key or tampered data)', {
          cause: err,
        });
      }
    },
  };
}
