import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxAdmin } from './admin.js';
import { createApp } from './app.js';
import type { Readings } from './assumptions.js';
import { ASSUMPTIONS, DEFAULT_READINGS } from './assumptions.js';
import { PartnerClient } from './client/partner-client.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Lifetimes } from './credentials.js';
import { CredentialStore } from './credentials.js';
import type { SandboxDeps } from './deps.js';
import { Faults } from './faults.js';
import { Operations } from './operations.js';
import { RateLimiter } from './rate-limit.js';
import { RequestLog } from './request-log.js';
import type { OrgSeed, SeededOrg } from './seed.js';
import { seedOrg } from './seed.js';
import { SandboxState } from './store.js';
import type { WebhookOptions } from './webhooks/sender.js';
import { WebhookSender } from './webhooks/sender.js';

export { ASSUMPTIONS, DEFAULT_READINGS, parseReadings } from './assumptions.js';
export type { Readings } from './assumptions.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { V1_PERMISSIONS, V3_SCOPES, VENDOR_PERMISSION_SETS } from './permissions.js';
export type { V1Permission, V3Scope } from './permissions.js';
export { greenhouseJson, signatureHeader } from './webhooks/signing.js';
export type { OrgSeed, SeededOrg } from './seed.js';
export type { SandboxAdmin, OrgInfo, IntegrationInput } from './admin.js';

export interface RateLimitOptions {
  limit?: number;
  windowMs?: number;
}

export interface SandboxOptions {
  /** 0 (default) picks a free port */
  port?: number;
  host?: string;
  /** Base URL written into Link headers, profile and callback URLs (default: the listening address). */
  publicUrl?: string;
  /** Organisations to generate, in order (default: one small org). */
  orgs?: OrgSeed[];
  rateLimit?: { v1?: RateLimitOptions; v3?: RateLimitOptions; token?: RateLimitOptions };
  /** Token lifetimes in ms (default: access 1 h, refresh 24 h, code 1 min). */
  tokens?: Partial<Lifetimes>;
  webhooks?: WebhookOptions;
  clock?: Clock;
  partnerTimeoutMs?: number;
  requestLogCapacity?: number;
  /** 'retired' (default, greenhouse.md §0): v1 and the v1-key mint answer as removed; 'live' for legacy tests. */
  v1?: 'live' | 'retired';
  /** Token answers with `expires_at` (default) or the older `expires_in` reading. */
  tokenAnswer?: 'expires_at' | 'expires_in';
  /** Legacy test_status polling (Greenhouse polled hourly); off unless an interval is given. */
  legacyPolling?: { intervalMs: number };
  /** Readings of unconfirmed behaviour (assumptions.ts); unset ones take today's reading. */
  readings?: Partial<Readings>;
}

export interface Sandbox {
  url: string;
  port: number;
  clock: Clock;
  /** the seeded organisations, in the order of options.orgs */
  orgs: SeededOrg[];
  state: SandboxState;
  faults: Faults;
  requestLog: RequestLog;
  credentials: CredentialStore;
  admin: SandboxAdmin;
  webhooks: WebhookSender;
  partner: PartnerClient;
  limiters: SandboxDeps['limiters'];
  /** the readings in force; assign a field to switch it for the following requests */
  readings: Readings;
  /** switches tests may flip at run time (also PUT /_sandbox/settings) */
  settings: SandboxDeps['settings'];
  /** `Basic <key>:` for a v1 key */
  v1AuthHeader(key: string): string;
  /** Mint a v3 access token through the real token endpoint (client credentials). */
  v3Token(org: SeededOrg, opts?: { sub?: number; scope?: string }): Promise<string>;
  /** Wait for in-flight outbound calls (webhook attempts, test_status after a PATCH, send_test). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const clock = opts.clock ?? systemClock;
  const state = new SandboxState(clock);
  const log = new RequestLog(opts.requestLogCapacity);
  const creds = new CredentialStore(clock, { ...ASSUMPTIONS.tokenLifetimesMs, ...opts.tokens });
  const rl = opts.rateLimit ?? {};
  const limiters = {
    v1: new RateLimiter(
      clock,
      rl.v1?.windowMs ?? ASSUMPTIONS.rateLimitWindowMs.v1,
      rl.v1?.limit ?? ASSUMPTIONS.rateLimitDefault.v1,
    ),
    v3: new RateLimiter(
      clock,
      rl.v3?.windowMs ?? ASSUMPTIONS.rateLimitWindowMs.v3,
      rl.v3?.limit ?? ASSUMPTIONS.rateLimitDefault.v3,
    ),
    token: new RateLimiter(
      clock,
      rl.token?.windowMs ?? ASSUMPTIONS.rateLimitWindowMs.token,
      rl.token?.limit ?? ASSUMPTIONS.rateLimitDefault.token,
    ),
  };
  const faults = new Faults(clock);
  const webhooks = new WebhookSender(log, () => clock.now(), opts.webhooks);
  const ops = new Operations(state, webhooks);
  const partner = new PartnerClient(state, log, opts.partnerTimeoutMs);
  const readings: Readings = { ...DEFAULT_READINGS, ...opts.readings };
  const settings: SandboxDeps['settings'] = {
    v1: opts.v1 ?? ASSUMPTIONS.v1Status,
    tokenAnswer: opts.tokenAnswer ?? ASSUMPTIONS.tokenAnswer,
  };
  const deps: SandboxDeps = {
    state,
    creds,
    limiters,
    faults,
    log,
    ops,
    webhooks,
    partner,
    readings,
    settings,
  };
  const admin = new SandboxAdmin(state, creds, ops, partner, webhooks, faults);
  const orgs = (opts.orgs ?? [{}]).map((spec, i) => seedOrg(state, creds, spec, i));

  const app = createApp(deps, admin, clock);
  const poller = opts.legacyPolling
    ? setInterval(
        () => void partner.pollOnce(state.orgs.values()).catch(() => undefined),
        opts.legacyPolling.intervalMs,
      )
    : null;
  poller?.unref();
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', (err?: Error) =>
      err ? reject(err) : resolve(s),
    );
  });
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  const url =
    opts.publicUrl ?? `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}`;
  state.url = url;

  const v1AuthHeader = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  return {
    url,
    port,
    clock,
    orgs,
    state,
    faults,
    requestLog: log,
    credentials: creds,
    admin,
    webhooks,
    partner,
    limiters,
    readings,
    settings,
    v1AuthHeader,
    async v3Token(org, o = {}) {
      const c = org.credentials.v3;
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        sub: String(o.sub ?? org.siteAdmin.id),
        ...(o.scope ? { scope: o.scope } : {}),
      });
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const json = (await res.json()) as { access_token?: string };
      if (!res.ok || !json.access_token)
        throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(json)}`);
      return json.access_token;
    },
    async idle() {
      await Promise.all([webhooks.idle(), partner.idle()]);
    },
    async close() {
      if (poller) clearInterval(poller);
      webhooks.close();
      await partner.idle().catch(() => undefined);
      await webhooks.idle().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
