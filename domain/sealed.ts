/**
 * Personal data a journey carries through Temporal (a candidate's answers and nominations, a
 * referee's answers, browsers' addresses) travels sealed with the journey's own data key
 * (security/journey-sealing.ts): workflows pass it on unread; activities unseal it; erasing the
 * candidate destroys the key. Pure: imported by workflow code.
 */
export interface SealedValue {
  /** `gs1.<iv>.<ciphertext+tag>`, base64url. */
  sealed: string;
}

export const isSealed = (value: unknown): value is SealedValue =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { sealed?: unknown }).sealed === 'string' &&
  (value as { sealed: string }).sealed.startsWith('gs1.');
