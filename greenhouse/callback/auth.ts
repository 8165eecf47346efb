/**
 * How the completion PATCH authenticates. greenhouse.md §2: Greenhouse hands out a callback
 * credential separately from the partner key, and which scheme it expects is **unconfirmed**.
 * Modelled like the sandbox's default (and the mirror of the partner API): HTTP Basic with the
 * credential as username and an empty password. If Greenhouse turns out to want a bearer token,
 * change CALLBACK_AUTH_SCHEME: nothing else depends on the scheme.
 */
export type CallbackAuthScheme = 'basic_key' | 'bearer';

export const CALLBACK_AUTH_SCHEME: CallbackAuthScheme = 'basic_key';

/** Thrown for credentials that cannot be sent with the scheme (never includes the credential). */
export class CallbackCredentialError extends Error {
  override readonly name = 'CallbackCredentialError';
}

export function callbackAuthHeader(
  credential: string,
  scheme: CallbackAuthScheme = CALLBACK_AUTH_SCHEME,
): string {
  if (credential.trim() === '') throw new CallbackCredentialError('the callback credential is empty');
  if (/[\r\n]/.test(credential))
    throw new CallbackCredentialError('the callback credential contains a line break');
  if (scheme === 'bearer') return `Bearer ${credential}`;
  // A Basic username cannot contain ':' (it would be read as the start of the password).
  if (credential.includes(':')) throw new CallbackCredentialError('the callback credential contains ":"');
  return `Basic ${Buffer.from(`${credential}:`, 'utf8').toString('base64')}`;
}
