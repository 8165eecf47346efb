/**
 * `Authorization: Basic base64(<partner API key>:)` on every Assessment Partner API call
 * (greenhouse.md §2). The password is empty, which many Basic-auth middlewares reject, so the header
 * is parsed here. Pure: the caller looks the key up (it names the tenant) and answers 401.
 */

/** Greenhouse: keys "must be shorter than 171 characters". */
export const MAX_PARTNER_KEY_LENGTH = 170;

/**
 * Greenhouse sends an empty password. A non-empty one is accepted and ignored (reported through
 * `passwordIgnored` for logging): the key alone authenticates, so refusing would only turn a harmless
 * client quirk into an outage. Flip to `false` to refuse such headers with `password_not_empty`.
 */
export const ACCEPT_NON_EMPTY_PASSWORD = true;

export type PartnerAuthFailureReason =
  | 'missing'
  | 'not_basic'
  | 'malformed_base64'
  | 'no_colon'
  | 'key_empty'
  | 'key_too_long'
  | 'password_not_empty';

export type PartnerAuthResult =
  | { ok: true; apiKey: string; passwordIgnored: boolean }
  | { ok: false; reason: PartnerAuthFailureReason; message: string };

const fail = (reason: PartnerAuthFailureReason, message: string): PartnerAuthResult => ({
  ok: false,
  reason,
  message,
});

// Standard alphabet; padding optional (some clients drop it). Length ≡ 1 (mod 4) is never valid.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeBase64(token: string): string | null {
  if (!BASE64.test(token)) return null;
  const unpadded = token.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null;
  const bytes = Buffer.from(unpadded, 'base64');
  // Buffer ignores stray bits; a round trip proves the token was canonical base64.
  if (bytes.toString('base64').replace(/=+$/, '') !== unpadded) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * `header` is `req.headers.authorization` (Node keeps the first of repeated Authorization headers).
 * Messages never echo the header or the key: they end up in logs.
 */
export function parsePartnerBasicAuth(
  header: string | undefined,
  opts: { acceptNonEmptyPassword?: boolean } = {},
): PartnerAuthResult {
  if (header === undefined || header.trim() === '') {
    return fail('missing', 'the Authorization header is missing');
  }
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  if (scheme.toLowerCase() !== 'basic') {
    return fail('not_basic', 'the Authorization header is not HTTP Basic');
  }
  const decoded = rest.length === 1 ? decodeBase64(rest[0]!) : null;
  if (decoded === null) {
    return fail('malformed_base64', 'the Basic credentials are missing or not valid base64 of UTF-8 text');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return fail('no_colon', 'the Basic credentials have no ":" separating key and password');
  }
  const apiKey = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (apiKey === '') return fail('key_empty', 'the partner API key (Basic username) is empty');
  if (apiKey.length > MAX_PARTNER_KEY_LENGTH) {
    return fail('key_too_long', `the partner API key is longer than ${MAX_PARTNER_KEY_LENGTH} characters`);
  }
  if (password !== '' && !(opts.acceptNonEmptyPassword ?? ACCEPT_NON_EMPTY_PASSWORD)) {
    return fail('password_not_empty', 'the Basic password must be empty (Greenhouse sends the key only)');
  }
  return { ok: true, apiKey, passwordIgnored: password !== '' };
}
