import { Router, type Request, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { isEncryptedPayload, PayloadCodecError } from '../../security/payload-codec.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { requireOperator } from '../operator/auth.js';
import { operatorOf, type OperatorIdentity } from '../operator/identity.js';
import { invalidInput, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

/** The Temporal Web UI of `npm start` (TEMPORAL_UI_PORT), as config/config.ts defaults it. */
export const DEFAULT_TEMPORAL_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

/** One Temporal payload as proto JSON: `bytes` fields are base64. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.base64('must be base64')).optional(),
  data: z.base64('must be base64').optional(),
});
type JsonPayload = z.infer<typeof JsonPayload>;
export const CodecBody = z.strictObject({ payloads: z.array(JsonPayload) });

/** The declaration of POST /codec/encode and /codec/decode. */
const codecRoute = (op: 'encode' | 'decode'): RouteSpec => ({
  method: 'post',
  path: `/${op}`,
  tag: 'codec',
  summary: `Temporal Web UI codec: ${op} payloads`,
  description: 'CORS for the configured Temporal UI origins; an unscoped operator key.',
  security: 'operator',
  body: {
    schema: CodecBody,
    description: 'Payloads as proto JSON (`bytes` fields base64).',
  },
  responses: {
    200: { description: 'The payloads, same shape.', schema: CodecBody },
    400: invalidInput,
    ...operatorAuth,
  },
});

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
  /**
   * CODEC_LOOPBACK_WITHOUT_KEY (set by `npm start` only, refused in production): requests made on
   * this machine to a loopback address need no operator key to decode (see localUiRequest).
   */
  loopbackWithoutKey?: boolean;
}

/** Who decoded, when the local Temporal UI called without a key. */
const LOCAL_UI_OPERATOR: OperatorIdentity = Object.freeze({
  keyId: null,
  name: 'local-temporal-ui',
  role: 'support',
  tenantId: null,
});

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

/**
 * The stock Temporal UI forwards its own token (or none) to the codec endpoint, never an operator
 * key. Locally (`npm start`) a request is let in without a key only when all of these hold, so no
 * other machine and no other web site gets through:
 * - the TCP peer is a loopback address (the socket's, not req.ip, which trusts X-Forwarded-For from
 *   loopback), and no proxy header says it was forwarded from elsewhere;
 * - the Host header names a loopback host (a DNS-rebinding page would send its own name);
 * - an Origin, when sent (browsers send one), is one of TEMPORAL_UI_ORIGINS.
 */
function localUiRequest(req: Request, origins: ReadonlySet<string>): boolean {
  if (!LOOPBACK_ADDRESSES.has(req.socket.remoteAddress ?? '')) return false;
  if (req.get('x-forwarded-for') !== undefined || req.get('forwarded') !== undefined) return false;
  if (!LOOPBACK_HOSTS.test(req.get('host') ?? '')) return false;
  const origin = req.get('origin');
  return origin === undefined || origins.has(origin);
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
 * Decode shows plain payloads as they are, although the worker refuses them (unless
 * PAYLOAD_CODEC_ALLOW_PLAINTEXT): showing is not accepting, and an operator must be able to see a
 * forged payload and the SDK's own plain ones (patch markers) in the UI.
 *
 * Behind the operator key (Authorization: Bearer): decoding shows what journeys carry, so an
 * unscoped key is required — a tenant-scoped key could otherwise read every tenant's payloads.
 * CORS lets the browser-based UI call it: preflights are answered without a key. Locally,
 * `loopbackWithoutKey` lets the local UI in without a key (localUiRequest).
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
  const operator = requireOperator({ db: deps.db, operatorKey: deps.operatorApiKey });
  router.use((req, res, next) => {
    // Decode only: encoding without a key would hand anyone on the machine encrypted payloads to
    // forge journeys' inputs with (the UI encodes only to send signals or updates itself).
    if (deps.loopbackWithoutKey && req.path === '/decode' && localUiRequest(req, origins)) {
      res.locals.operator = LOCAL_UI_OPERATOR;
      return next();
    }
    operator(req, res, next);
  });
  router.use((_req, res, next) => {
    if (operatorOf(res).tenantId !== null)
      return next(new HttpError(403, 'forbidden', 'the codec needs an operator key without a tenant scope'));
    next();
  });

  for (const direction of ['encode', 'decode'] as const) {
    route(
      router,
      codecRoute(direction),
      handle(async (req, res) => {
        const { payloads } = parseInput(CodecBody, req.body);
        const out = await (direction === 'decode' ? decodeForDisplay : (p: Payload[]) => codec.encode(p))(
          payloads.map(fromJson),
        ).catch((err: unknown) => {
          if (err instanceof PayloadCodecError) throw new HttpError(400, 'invalid_payload', err.message);
          throw err;
        });
        res.json({ payloads: out.map(toJson) });
      }),
    );
  }
  return router;

  /** Encrypted payloads decrypted in one call; plain ones shown as they are. */
  async function decodeForDisplay(payloads: Payload[]): Promise<Payload[]> {
    const encrypted = payloads.filter(isEncryptedPayload);
    const decrypted = (await codec.decode(encrypted)).values();
    return payloads.map((p) => (isEncryptedPayload(p) ? decrypted.next().value! : p));
  }
}
