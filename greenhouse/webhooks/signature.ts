import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Greenhouse signs each webhook with the customer's secret: `Signature: sha256 <hex>`, the
 * HMAC-SHA256 of the raw body bytes (greenhouse.md §4). Greenhouse escapes unicode before signing,
 * so only the bytes as received verify: never re-serialise parsed JSON.
 */

export type SignatureFailureReason =
  'missing_header' | 'malformed_header' | 'unsupported_algorithm' | 'mismatch' | 'no_secret' | 'not_raw_body';

export type SignatureResult = { ok: true } | { ok: false; reason: SignatureFailureReason; message: string };

const fail = (reason: SignatureFailureReason, message: string): SignatureResult => ({
  ok: false,
  reason,
  message,
});

/** Lower-case hex HMAC-SHA256 of the raw body. */
export function computeWebhookSignature(rawBody: Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

export function verifyWebhookSignature(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
): SignatureResult {
  // An empty secret would make every forged body "verify" with a key anyone knows.
  if (secret === '') return fail('no_secret', 'no webhook secret is configured for this tenant');
  // A body already parsed by a JSON middleware cannot be verified: the signed bytes are gone.
  if (!Buffer.isBuffer(rawBody)) {
    return fail('not_raw_body', 'the webhook body was not kept as raw bytes (use express.raw on this route)');
  }
  // Node joins repeated custom headers with ", ": that fails the format check below.
  if (header === undefined || header.trim() === '') {
    return fail('missing_header', 'the Signature header is missing');
  }
  const m = /^\s*([A-Za-z0-9-]+)[ =]\s*(\S+)\s*$/.exec(header);
  if (!m) return fail('malformed_header', 'the Signature header is not "sha256 <hex>"');
  if (m[1]!.toLowerCase() !== 'sha256') {
    return fail('unsupported_algorithm', `the Signature header uses ${m[1]!.slice(0, 16)}, not sha256`);
  }
  const hex = m[2]!;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    return fail('malformed_header', 'the Signature header does not carry a 64-digit hex HMAC-SHA256');
  }
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Both sides are 32 bytes here, as timingSafeEqual requires; the comparison leaks no prefix length.
  if (!timingSafeEqual(Buffer.from(hex, 'hex'), expected)) {
    return fail('mismatch', 'the Signature does not match the body (wrong secret or altered body)');
  }
  return { ok: true };
}
