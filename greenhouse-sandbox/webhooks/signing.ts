import { createHmac } from 'node:crypto';
import { ASSUMPTIONS } from '../assumptions.js';

/**
 * Serialise like Greenhouse (Ruby/Rails) before signing: every non-ASCII character as \uXXXX
 * (surrogate pairs for astral characters) and, like Rails, < > & as \u003c \u003e \u0026.
 * The signature covers exactly these bytes; receivers must verify the raw body, never a re-serialisation.
 */
export function greenhouseJson(value: unknown): string {
  const rx = ASSUMPTIONS.webhookEscapeHtmlEntities ? /[\u0080-\uffff<>&]/g : /[\u0080-\uffff]/g;
  return JSON.stringify(value).replace(rx, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Value of the `Signature` header: `sha256 <hex HMAC-SHA256 of the raw body>`. */
export function signatureHeader(secret: string, rawBody: string | Buffer): string {
  return `sha256 ${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
