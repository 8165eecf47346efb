import { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { PayloadCodecError } from '../../security/payload-codec.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { requireOperator } from '../operator/auth.js';
import { operatorOf } from '../operator/identity.js';

/** The Temporal Web UI of `npm start` (TEMPORAL_UI_PORT), as config/config.ts defaults it. */
export const DEFAULT_TEMPORAL_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

/** One Temporal payload as proto JSON: `bytes` fields are base64. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.base64('must be base64')).optional(),
  data: z.base64('must be base64').optional(),
});
type JsonPayload = z.infer<typeof JsonPayload>;
export const CodecBody = z.strictObject({ payloads: z.array(JsonPayload) });

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  ...(data === undefined ? {} : { data: new Uint8Array(Buffer.from(data, 'base64')) }),
});
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).flatMap(([k, v]) => (v ? [[k, base64(v)]] : [])),
  ),
  ...(payload.data ? { data: base64(payload.data) } : {}),
});

export interface CodecRouteDeps {
  db: Database;
  operatorApiKey: string | undefined;
  /** Origins of the Temporal Web UI (TEMPORAL_UI_ORIGINS); default the local dev server's UI. */
  temporalUiOrigins?: readonly string[];
  /** The payload codec the worker and clients use (temporal/data-converter.ts). */
  codec: PayloadCodec;
}

/**
 * The Temporal codec server (https://docs.temporal.io/production-deployment/data-encryption): the
 * Temporal Web UI posts `{ payloads: [{ metadata: {key: base64}, data: base64 }] }` to
 * `/codec/decode` (and `/codec/encode`) and shows what comes back. Mount at `/codec` and point the
 * UI's Codec Server endpoint there.
 *
 * The codec is the one of the worker and every client (security/payload-codec.ts): decode turns
 * `binary/encrypted` payloads back into the journey's JSON and passes plain ones through; encode
 * encrypts with the current key. A payload that cannot be decrypted (unknown key id, tampered) is
 * a 400 naming the reason.
 *
 * Behind the operator key (Authorization: Bearer): decoding shows what journeys carry, so an
 * unscoped key is required — a tenant-scoped key could otherwise read every tenant's payloads.
 * CORS lets the browser-based UI call it: preflights are answered without a key.
 */
export function codecRoutes(deps: CodecRouteDeps): Router {
  const router = Router();
  const origins = new Set(deps.temporalUiOrigins ?? DEFAULT_TEMPORAL_UI_ORIGINS);
  const { codec } = deps;

  const cors: RequestHandler = (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin && origins.has(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Max-Age': '600',
      });
    }
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };

  router.use(cors);
  router.use(requireOperator({ db: deps.db, operatorKey: deps.operatorApiKey }));
  router.use((_req, res, next) => {
    if (operatorOf(res).tenantId !== null)
      return next(new HttpError(403, 'forbidden', 'the codec needs an operator key without a tenant scope'));
    next();
  });

  for (const direction of ['encode', 'decode'] as const) {
    router.post(
      `/${direction}`,
      handle(async (req, res) => {
        const { payloads } = parseInput(CodecBody, req.body);
        const out = await codec[direction](payloads.map(fromJson)).catch((err: unknown) => {
          if (err instanceof PayloadCodecError) throw new HttpError(400, 'invalid_payload', err.message);
          throw err;
        });
        res.json({ payloads: out.map(toJson) });
      }),
    );
  }
  return router;
}
