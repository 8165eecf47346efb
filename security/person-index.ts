import { createHash, createHmac } from 'node:crypto';

/**
 * The keyed hash of a person's e-mail address (HMAC-SHA256 with PERSON_INDEX_KEY). Erasure finds
 * a person's records through it, and ids that must name a person (vendor-invite journey ids,
 * visible in Temporal) carry it instead of the address. Keyed, never a plain hash: without the key
 * nobody can test a guessed address against an id or an index row.
 */
export type PersonKey = Buffer;

/**
 * Development and tests only (config refuses production without PERSON_INDEX_KEY): a fixed key, so
 * every process of a local stack computes the same ids.
 */
export const DEV_PERSON_KEY: PersonKey = createHash('sha256')
  .update('greenroom development person index')
  .digest();

export function personKeyFrom(base64: string | undefined): PersonKey {
  return base64 ? Buffer.from(base64, 'base64') : DEV_PERSON_KEY;
}

/** How addresses compare: trimmed, lower-cased (as referees' `email_normalized`). */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The person's index key: hex HMAC of the normalised address. */
export function personHash(key: PersonKey, email: string): string {
  return createHmac('sha256', key).update(normalizeEmail(email)).digest('hex');
}
