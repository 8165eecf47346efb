import { accessSync, constants } from 'node:fs';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { parseEncryptionKeys, SecretBoxError, type EncryptionKey } from '../security/secret-box.js';

/**
 * The whole configuration of greenroom, parsed once from the environment.
 *
 * Every external part has an embedded default so that `npm start` on a bare machine works:
 * no DATABASE_URL → an embedded PostgreSQL (PGlite); no TEMPORAL_ADDRESS → a Temporal dev server
 * started by the app. A wrong value stops the process with one line naming the variable.
 */

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'must be a postgresql:// URL');

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const onOff = z.enum(['on', 'off'], { error: 'must be on or off' });

/** A file the process reads at start (TLS material): it must exist and be readable now. */
const readableFile = optionalString.refine(
  (file) => {
    if (file === undefined) return true;
    try {
      accessSync(file, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must name a readable file' },
);

/** `id:base64(32 bytes)[,…]`, the first key current (security/secret-box.ts). */
const encryptionKeys = z
  .string()
  .optional()
  .transform((spec, ctx): EncryptionKey[] | undefined => {
    if (spec === undefined) return undefined;
    try {
      return parseEncryptionKeys(spec);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });

/**
 * Express's `trust proxy`: which peers may say who the client is (X-Forwarded-For). A number of
 * proxies in front of the API (hops; 0 trusts none), or comma-separated addresses, CIDR ranges and
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. Not `true`: trusting every peer lets any
 * client choose the address its rate limits are counted against.
 */
const trustProxy = z
  .string()
  .trim()
  .default('loopback')
  .transform((spec, ctx): number | string[] => {
    const problem = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (/^\d+$/.test(spec)) {
      // Express reads a string as addresses: the hop count must reach it as a number.
      const hops = Number(spec);
      return hops <= 32 ? hops : problem('must be at most 32 proxies');
    }
    if (spec === 'false') return 0;
    if (spec === 'true')
      return problem(
        'must not be true (any client could then choose its address): give the number of proxies in front of the API, or their addresses',
      );
    const list = spec
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    try {
      proxyaddr.compile(list); // what Express does with the value: its error names the bad entry
    } catch (err) {
      return problem(
        `must be a number of proxies, or comma-separated addresses, CIDR ranges, loopback, linklocal or uniquelocal (${(err as Error).message})`,
      );
    }
    return list;
  });

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where local state lives: embedded database, Temporal dev server's SQLite file, outbox. */
  DATA_DIR: z.string().trim().min(1).default('.data'),

  /** PostgreSQL. Unset → embedded PGlite under DATA_DIR (local only). */
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  EMBEDDED_DB_PORT: port.default(5433),

  /** Temporal. Unset address → `npm start` runs a dev server on TEMPORAL_DEV_PORT. */
  TEMPORAL_ADDRESS: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.-]+:\d+$/, 'must be host:port')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  /** How long Temporal keeps a closed journey's history; used when `temporal:setup` creates the namespace. */
  TEMPORAL_NAMESPACE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('greenroom-journeys'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /**
   * Origins of the Temporal Web UI allowed to call our codec endpoint (/codec, CORS), comma-separated.
   * Point the UI's "Codec Server endpoint" at `<PUBLIC_BASE_URL>/codec` (README: the stock UI
   * forwards its own token, not an operator key; `npm start` adds its local UI's origins).
   */
  TEMPORAL_UI_ORIGINS: z
    .string()
    .default('http://localhost:8233,http://127.0.0.1:8233')
    .transform((list) =>
      list
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.string().refine(
            (v) => {
              try {
                return new URL(v).origin === v;
              } catch {
                return false;
              }
            },
            { error: 'must be comma-separated origins like http://localhost:8233 (scheme://host[:port])' },
          ),
        )
        .min(1, 'must name at least one origin'),
    ),
  /**
   * TLS towards Temporal (temporal/connection-options.ts, one factory for the API, the worker and
   * scripts). TEMPORAL_TLS: on|off; unset → on as soon as any TEMPORAL_TLS_* path, the server name or
   * TEMPORAL_API_KEY is set (an API key is a bearer secret: never sent in clear unless TEMPORAL_TLS=off
   * says so explicitly, e.g. behind a local TLS-terminating sidecar). CA: the server's root (unset →
   * the system's roots). CERT + KEY: the client certificate for mTLS (one without the other is an
   * error). SERVER_NAME: the name checked in the server's certificate (and sent as SNI) when it
   * differs from TEMPORAL_ADDRESS's host.
   */
  TEMPORAL_TLS: onOff.optional(),
  TEMPORAL_TLS_CA_PATH: readableFile,
  TEMPORAL_TLS_CERT_PATH: readableFile,
  TEMPORAL_TLS_KEY_PATH: readableFile,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** API key (Temporal Cloud style), sent as `Authorization: Bearer`; implies TLS (TEMPORAL_TLS). */
  TEMPORAL_API_KEY: optionalString,
  /**
   * Worker deployment versioning (workers/versioning.ts): both set → the worker polls as version
   * `WORKER_DEPLOYMENT_NAME:WORKER_BUILD_ID` and its workflows are PINNED to it; neither → off.
   */
  WORKER_DEPLOYMENT_NAME: optionalString,
  WORKER_BUILD_ID: optionalString,
  TEMPORAL_CLI_PATH: optionalString,
  /** Production workers load a bundle built ahead of time; unset → bundle at start-up. */
  WORKFLOW_BUNDLE_PATH: optionalString,
  /** The worker's /healthz and /readyz. */
  WORKER_HEALTH_PORT: port.default(3001),
  /**
   * Loopback port of Temporal Core's Prometheus exporter; the worker's /metrics (health port)
   * serves it after our own metrics. 0 → Core's metrics off.
   */
  WORKER_TEMPORAL_METRICS_PORT: port.default(9464),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * Journeys a worker keeps in memory between their steps (Temporal's sticky cache). Most journeys
   * wait days for a person, so one that is not cached costs only a replay of its short history when
   * it wakes; each cached one holds about 0.6 MB of worker memory. Unbounded, the SDK sizes the
   * cache from the V8 heap limit (about 2,300 on a 4 GB heap): thousands of idle journeys then take
   * the worker past 1.5 GB (bench/idle-journeys.ts). 200 covers the journeys a worker has in
   * flight at once, bulk invites included. 0 → no cache (every step replays its history).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(200),

  /** HTTP API. */
  API_HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  PUBLIC_BASE_URL: z.url({ error: 'must be an absolute URL' }).optional(),
  /** Bootstrap operator key (full operator keys with roles arrive with the operator API). */
  OPERATOR_API_KEY: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  /**
   * Keys that encrypt secrets at rest: `id:base64(32 bytes)`, comma-separated, the first one current.
   * Unset → `npm start` keeps a generated key in DATA_DIR; the API and worker refuse to start without.
   */
  SECRETS_ENCRYPTION_KEYS: encryptionKeys,
  /**
   * Keys that encrypt every Temporal payload (journeys' inputs, results, signals, updates, queries,
   * memos: security/payload-codec.ts), same format and rotation as SECRETS_ENCRYPTION_KEYS but
   * separate keys: the API, every worker and the codec endpoint need these; keep old keys listed
   * while histories encrypted with them may be read. Unset → `npm start` keeps a generated key in
   * DATA_DIR; the API and worker refuse to start without.
   */
  PAYLOAD_ENCRYPTION_KEYS: encryptionKeys,
  /**
   * With PAYLOAD_ENCRYPTION_KEYS set, the codec refuses to decode a payload that is not encrypted:
   * whoever can reach Temporal cannot start a journey or answer one with a payload of their own.
   * on → plain payloads pass through, for migrating histories written before encryption; turn it
   * off again once they have finished (their retention passed).
   */
  PAYLOAD_CODEC_ALLOW_PLAINTEXT: onOff.default('off'),
  /**
   * Keys the person index (HMAC-SHA256 of a normalised e-mail address): erasure finds a person's
   * journeys through it, and vendor-invite journey ids carry it instead of the address. Base64 of
   * 32 bytes; never rotate it (ids and the index would stop matching). Unset → a fixed development
   * key (security/person-index.ts); required with NODE_ENV=production.
   */
  PERSON_INDEX_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9+/_=-]+$/, 'must be base64 of 32 bytes')
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be base64 of 32 bytes')
      .optional(),
  ),
  /**
   * Local only (`npm start` sets it): the codec endpoint decodes for requests from a loopback
   * address without the operator key, because the stock Temporal UI cannot send one
   * (api/codec/routes.ts).
   * Refused with NODE_ENV=production.
   */
  CODEC_LOOPBACK_WITHOUT_KEY: onOff.default('off'),
  API_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb')
    .default('1mb'),
  /**
   * Requests per minute per client IP to people's pages (/t, /g, /r, /n, /q, /outbox; GET and POST).
   * Counted in PostgreSQL, shared by every API process (api/shared-rate-limiter.ts); over it: 429
   * with Retry-After.
   */
  PAGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  /** Per minute per client IP: OAuth callback requests, and failed partner API authentications. */
  TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  /**
   * Which peers' X-Forwarded-For gives the client address (Express's `trust proxy`): the proxies
   * in front of the API. Default `loopback` (a proxy on the same machine); e.g. `1`, `10.0.0.0/8`.
   */
  TRUST_PROXY: trustProxy,
  /**
   * How often each authorization-code tenant's Greenhouse tokens are refreshed by its Schedule
   * (`greenhouse-tokens:<tenant>`). Greenhouse's refresh tokens die 24 hours after issue: at most 12 h.
   */
  GREENHOUSE_TOKEN_REFRESH_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(12 * 60)
    .default(6 * 60),

  /** Outgoing mail. Unset → the outbox: mail is stored and listed at /outbox instead of sent. */
  SMTP_URL: z
    .string()
    .trim()
    .regex(/^smtps?:\/\/.+/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM_ADDRESS: z
    .email({ error: 'must be an e-mail address' })
    .default('assessments@greenroom.localhost'),

  /** `npm start` runs the Greenhouse sandbox (an emulator) unless turned off. */
  GREENHOUSE_SANDBOX: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  GREENHOUSE_SANDBOX_PORT: port.default(4010),
  /** `npm start` runs the demo vendor (demo-vendor/) beside the sandbox, on this port. */
  DEMO_VENDOR_PORT: port.default(4020),
  /**
   * `host` or `host:port` (comma-separated) of a Greenhouse sandbox the completion callback may reach
   * over plain http and on a loopback address, for every tenant. Empty in production: the callback
   * then goes only over https to the tenant's Greenhouse hosts on public addresses. `npm start` sets
   * it to its own sandbox.
   */
  GREENHOUSE_SANDBOX_CALLBACK_HOSTS: z
    .string()
    .trim()
    .regex(/^[a-z0-9.:-]+(,[a-z0-9.:-]+)*$/i, 'must be host[:port] names separated by commas')
    .transform((v) => v.split(',').map((h) => h.toLowerCase()))
    .default([]),

  /** Print pretty logs instead of JSON lines. */
  LOG_PRETTY: booleanFlag.default(false),

  /**
   * Vendor events (Standard Webhooks): each delivery is retried with exponential backoff (×2) from
   * this first interval up to the maximum interval, for the whole window (at least 24 h in production).
   */
  VENDOR_EVENT_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  VENDOR_EVENT_RETRY_MAX_INTERVAL_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  VENDOR_EVENT_RETRY_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(26 * 3_600_000),
  /**
   * `host` or `host:port` (comma-separated) a vendor endpoint may name over plain http and on a
   * loopback or private address (local demos, tests). Empty in production: https, public addresses.
   */
  VENDOR_ENDPOINT_ALLOW_HOSTS: z
    .string()
    .trim()
    .regex(/^[a-z0-9.:-]+(,[a-z0-9.:-]+)*$/i, 'must be host[:port] names separated by commas')
    .transform((v) => v.split(',').map((h) => h.toLowerCase()))
    .default([]),

  /** The largest report PDF a vendor may put with a result (bytes; 10 MB by default). */
  VENDOR_REPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),

  /**
   * Launch assertions' signing key is rotated by a Temporal Schedule this often (days); the next key
   * is published LAUNCH_KEY_ROTATION_LEAD_MS before it signs, so vendors' JWKS caches know it first.
   */
  LAUNCH_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  LAUNCH_KEY_ROTATION_LEAD_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .default(3_600_000),
});

/** Rules between variables (zod runs them once every variable parsed). */
function crossChecks(c: z.infer<typeof configSchema>, ctx: z.RefinementCtx): void {
  const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
  if (!!c.TEMPORAL_TLS_CERT_PATH !== !!c.TEMPORAL_TLS_KEY_PATH) {
    const [missing, given] = c.TEMPORAL_TLS_CERT_PATH
      ? ['TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CERT_PATH']
      : ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'];
    problem(missing, `must be set with ${given} (a client certificate needs its key, and vice versa)`);
  }
  if (c.TEMPORAL_TLS === 'off') {
    for (const name of [
      'TEMPORAL_TLS_CA_PATH',
      'TEMPORAL_TLS_CERT_PATH',
      'TEMPORAL_TLS_KEY_PATH',
      'TEMPORAL_TLS_SERVER_NAME',
    ] as const) {
      if (c[name]) problem(name, 'is set but TEMPORAL_TLS is off');
    }
  }
  if (!!c.WORKER_DEPLOYMENT_NAME !== !!c.WORKER_BUILD_ID) {
    problem(
      c.WORKER_DEPLOYMENT_NAME ? 'WORKER_BUILD_ID' : 'WORKER_DEPLOYMENT_NAME',
      'must be set with the other of WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID (or neither: versioning off)',
    );
  }
  if (!c.PERSON_INDEX_KEY && c.NODE_ENV === 'production') {
    problem('PERSON_INDEX_KEY', 'must be set in production (base64 of 32 bytes)');
  }
  if (c.CODEC_LOOPBACK_WITHOUT_KEY === 'on' && c.NODE_ENV === 'production') {
    problem('CODEC_LOOPBACK_WITHOUT_KEY', 'must be off in production (it is for npm start)');
  }
}

/** Every variable the configuration reads (docker-compose.yml must pass each one to every process). */
export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.shape);

export type Config = z.infer<typeof configSchema> & { publicBaseUrl: string };

/** Never echoed back in error messages: they may carry passwords. */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'OPERATOR_API_KEY',
  'SECRETS_ENCRYPTION_KEYS',
  'PAYLOAD_ENCRYPTION_KEYS',
  'PERSON_INDEX_KEY',
  'TEMPORAL_API_KEY',
  'SMTP_URL',
]);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message names every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means unset (compose files write `VAR: ${VAR:-}`), so the default applies.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const result = configSchema.superRefine(crossChecks).safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = env[name];
      const got =
        raw === undefined || SECRET_VARIABLES.has(name)
          ? ''
          : ` (got ${JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw)})`;
      return `${name} ${issue.message}${got}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const config = result.data;
  return {
    ...config,
    publicBaseUrl: (config.PUBLIC_BASE_URL ?? `http://localhost:${config.API_PORT}`).replace(/\/$/, ''),
  };
}

/** For process entry points: parse or exit with one line naming the variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`greenroom: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
