import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets we only ever compare (partner API keys, people's link tokens): generated long and random,
 * shown once, stored as SHA-256 (they carry 192+ bits of entropy, so a slow hash adds nothing),
 * compared in constant time.
 */
export function generateToken(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
