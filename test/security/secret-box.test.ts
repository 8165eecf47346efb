import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import {
  createSecretBox,
  generateEncryptionKeySpec,
  parseEncryptionKeys,
  SecretBoxError,
} from '../../security/secret-box.js';
import { generateToken, hashToken, tokenMatches } from '../../security/tokens.js';

describe('secret box (AES-256-GCM at rest)', () => {
  const k1 = generateEncryptionKeySpec('k1');
  const k2 = generateEncryptionKeySpec('k2');

  it('round-trips, and the ciphertext reveals nothing of the plaintext', () => {
    const box = createSecretBox(parseEncryptionKeys(k1));
    const sealed = box.encrypt('harvest-key-12345', 'harvest-secret:ten_a');
    expect(sealed).toMatch(/^gr1\.k1\./);
    expect(sealed).not.toContain('harvest-key-12345');
    expect(box.decrypt(sealed, 'harvest-secret:ten_a')).toBe('harvest-key-12345');
    // A fresh IV every time: equal secrets do not produce equal ciphertexts.
    expect(box.encrypt('harvest-key-12345', 'harvest-secret:ten_a')).not.toBe(sealed);
  });

  it('refuses a ciphertext moved to another tenant or purpose, or tampered with', () => {
    const box = createSecretBox(parseEncryptionKeys(k1));
    const sealed = box.encrypt('secret', 'harvest-secret:ten_a');
    expect(() => box.decrypt(sealed, 'harvest-secret:ten_b')).toThrow(SecretBoxError);
    expect(() => box.decrypt(sealed, 'webhook-secret:ten_a')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('XXXX').toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'harvest-secret:ten_a')).toThrow(/could not be decrypted/);
    expect(() => box.decrypt('plain text', 'harvest-secret:ten_a')).toThrow(/not a greenroom ciphertext/);
  });

  it('rotates: the new first key encrypts, the old one still decrypts', () => {
    const before = createSecretBox(parseEncryptionKeys(k1));
    const old = before.encrypt('old secret', 'x');
    const after = createSecretBox(parseEncryptionKeys(`${k2},${k1}`));
    expect(after.currentKeyId).toBe('k2');
    expect(after.decrypt(old, 'x')).toBe('old secret');
    expect(after.encrypt('new', 'x')).toMatch(/^gr1\.k2\./);
    const withoutOld = createSecretBox(parseEncryptionKeys(k2));
    expect(() => withoutOld.decrypt(old, 'x')).toThrow(/key k1 is not configured/);
  });

  it.each([
    ['', /at least one key/],
    ['k1:abc', /32 bytes/],
    ['no-colon', /<id>:<base64/],
    [`${generateEncryptionKeySpec('a')},${generateEncryptionKeySpec('a')}`, /unique/],
  ])('rejects the key list %j', (spec, message) => {
    expect(() => parseEncryptionKeys(spec)).toThrow(message);
  });

  it('names SECRETS_ENCRYPTION_KEYS in a configuration error, without echoing it', () => {
    expect(() => loadConfig({ SECRETS_ENCRYPTION_KEYS: 'k1:short' })).toThrow(
      /^Invalid configuration: SECRETS_ENCRYPTION_KEYS key k1 must be 32 bytes \(base64\), got 3$/,
    );
  });
});

describe('tokens stored as hashes', () => {
  it('are long, random, matched only by themselves, and under Greenhouse’s 171-character limit', () => {
    const token = generateToken('grpk');
    expect(token).toMatch(/^grpk_[A-Za-z0-9_-]{43}$/);
    expect(token.length).toBeLessThan(171);
    const hash = hashToken(token);
    expect(hash).not.toContain(token);
    expect(tokenMatches(token, hash)).toBe(true);
    expect(tokenMatches(`${token}x`, hash)).toBe(false);
    expect(tokenMatches(generateToken('grpk'), hash)).toBe(false);
  });
});
