import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import {
  createPayloadCodec,
  type EncryptingPayloadCodec,
  type PayloadCodecOptions,
} from '../security/payload-codec.js';
import type { EncryptionKey } from '../security/secret-box.js';

/**
 * Failures with their message and stack trace encoded (and so encrypted by the codec):
 * temporal/failure-converter.cjs. Workers, clients and the workflow bundle must all use it.
 */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export interface PayloadDataConverter extends DataConverter {
  /** The encrypting codec itself, for the Temporal UI's codec endpoint (api/codec/routes.ts). */
  codec: EncryptingPayloadCodec;
}

/**
 * The one data converter of every Temporal client and worker of greenroom (API, worker, the worker's
 * own client, scripts, tests): default payload conversion, then AES-256-GCM encryption of every
 * payload with PAYLOAD_ENCRYPTION_KEYS (security/payload-codec.ts). A client or worker without it
 * could not read what the others write, and (unless `allowPlaintext`, config
 * PAYLOAD_CODEC_ALLOW_PLAINTEXT) nothing reads what such a client writes.
 */
export function dataConverterFor(
  keys: readonly EncryptionKey[],
  options: PayloadCodecOptions = {},
): PayloadDataConverter {
  const codec = createPayloadCodec(keys, options);
  return { payloadCodecs: [codec], codec, failureConverterPath };
}
