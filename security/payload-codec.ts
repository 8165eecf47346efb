import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EncryptionKey } from './secret-box.js';

// CommonJS package: default import, then destructure (named ESM imports fail under plain Node).
const ProtoPayload = proto.temporal.api.common.v1.Payload;

/**
 * Encryption of every Temporal payload greenroom writes (workflow and activity inputs and results,
 * signals, updates, queries, memos): Temporal's history then holds no candidate name, e-mail or
 * answer. The worker, every client and the codec endpoint for the Temporal UI (api/codec/routes.ts)
 * use this one codec, through temporal/data-converter.ts.
 *
 * Format of an encrypted payload:
 * - metadata `encoding`: `binary/encrypted`
 * - metadata `encryption-key-id`: the id of the key (PAYLOAD_ENCRYPTION_KEYS, `id:base64(32 bytes)`)
 * - data: `iv (12 random bytes) ‖ AES-256-GCM ciphertext ‖ GCM tag (16 bytes)`, where the plaintext
 *   is the original payload (metadata and data) serialised as the protobuf
 *   `temporal.api.common.v1.Payload`.
 *
 * Keys rotate: the first key encrypts, every listed key decrypts — put the new key first and keep
 * the old ones while histories encrypted with them may still be read (running journeys, retention).
 * Decoding refuses a payload without `encoding: binary/encrypted`: only a holder of the keys can
 * write what a journey reads, so whoever merely reaches Temporal (a client without the codec) cannot
 * start a journey or answer one with values of their own. `allowPlaintext` (config
 * PAYLOAD_CODEC_ALLOW_PLAINTEXT=on) lets them pass through, for histories written before encryption
 * and the recorded test histories. A payload encrypted with a key that is not listed fails with an
 * error naming the key id.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadCodecError extends Error {
  override name = 'PayloadCodecError';
}

export interface EncryptingPayloadCodec extends PayloadCodec {
  /** The key id new payloads are encrypted with. */
  readonly currentKeyId: string;
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const text = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

/** True when the payload is one this codec encrypted (whatever the key). */
export function isEncryptedPayload(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** The id of the key an encrypted payload was encrypted with; undefined for plain payloads. */
export function payloadKeyId(payload: Payload): string | undefined {
  return isEncryptedPayload(payload) ? text(payload.metadata?.[KEY_ID_METADATA]) : undefined;
}

export interface PayloadCodecOptions {
  /** Pass unencrypted payloads through on decode (migration of older histories); default refuse. */
  allowPlaintext?: boolean;
}

export function createPayloadCodec(
  keys: readonly EncryptionKey[],
  options: PayloadCodecOptions = {},
): EncryptingPayloadCodec {
  const current = keys[0];
  if (!current) throw new PayloadCodecError('at least one payload encryption key is required');
  const byId = new Map(keys.map((k) => [k.id, k.key]));

  const encrypt = (payload: Payload): Payload => {
    const plaintext = ProtoPayload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(current.id) },
      data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
    };
  };

  const decrypt = (payload: Payload): Payload => {
    if (!isEncryptedPayload(payload)) {
      if (options.allowPlaintext) return payload;
      const encoding = text(payload.metadata?.encoding) ?? 'none';
      throw new PayloadCodecError(
        `refused an unencrypted payload (encoding ${encoding}): payloads must be encrypted with PAYLOAD_ENCRYPTION_KEYS (PAYLOAD_CODEC_ALLOW_PLAINTEXT=on lets older plain histories through)`,
      );
    }
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new PayloadCodecError(`an encrypted payload has no ${KEY_ID_METADATA}`);
    const key = byId.get(keyId);
    if (!key) {
      throw new PayloadCodecError(
        `a payload is encrypted with key ${keyId}, which is not configured (PAYLOAD_ENCRYPTION_KEYS)`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadCodecError(`an encrypted payload (key ${keyId}) is too short`);
    }
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plaintext = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch (err) {
      throw new PayloadCodecError(
        `a payload encrypted with key ${keyId} could not be decrypted (wrong key or tampered data)`,
        { cause: err },
      );
    }
    const decoded = ProtoPayload.decode(plaintext);
    return {
      metadata: decoded.metadata,
      ...(decoded.data?.length ? { data: decoded.data } : {}),
    };
  };

  return {
    currentKeyId: current.id,
    encode: async (payloads) => payloads.map(encrypt),
    decode: async (payloads) => payloads.map(decrypt),
  };
}
