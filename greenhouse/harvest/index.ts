import type { HarvestAuth, TokenStore } from './auth.js';
import { V1KeyAuth, V3AuthorizationCodeAuth, V3ClientCredentialsAuth } from './auth.js';
import type { RateBudgetStore } from './rate-budget.js';
import { RateBudget } from './rate-budget.js';
import type { HarvestLogger, HarvestResponseObserver } from './transport.js';
import { HarvestTransport } from './transport.js';
import type { HarvestClient } from './types.js';
import { HarvestV1Client } from './v1-client.js';
import { HarvestV3Client } from './v3-client.js';
import { V3 } from './v3-shapes.js';

export * from './types.js';
export { HarvestError, isHarvestError } from './errors.js';
export type { HarvestErrorKind, FieldError, OperationInfo } from './errors.js';
export { toActivityFailure } from './activity-failure.js';
export { MemoryTokenStore, V1KeyAuth, V3AuthorizationCodeAuth, V3ClientCredentialsAuth } from './auth.js';
export type { HarvestAuth, StoredTokens, TokenStore } from './auth.js';
export { MemoryRateBudgetStore, RateBudget } from './rate-budget.js';
export type { BudgetState, RateBudgetStore, RateObservation } from './rate-budget.js';
export { PostgresRateBudgetStore } from './rate-budget-pg.js';
export { checkHarvestPermissions, CAPABILITIES, CAPABILITY_SETS } from './permissions.js';
export type { Capability, CapabilityCheck, PermissionReport } from './permissions.js';
export { HarvestV1Client } from './v1-client.js';
export { HarvestV3Client } from './v3-client.js';
export { HarvestTransport } from './transport.js';
export type { HarvestLogger, HarvestResponseObserver } from './transport.js';

export const DEFAULT_HARVEST_BASE_URL = 'https://harvest.greenhouse.io';
export const DEFAULT_TOKEN_URL = 'https://auth.greenhouse.io/token';
/** v1: 10 s (documented); v3: 30 s (secondary source, see v3-shapes.ts) */
export const DEFAULT_WINDOW_MS = { v1: 10_000, v3: V3.windowMs } as const;

/** A customer's Harvest credential. v3 is the default for new connections; v1 is legacy. */
export type HarvestCredentials =
  | {
      kind: 'v3_client_credentials';
      clientId: string;
      clientSecret: string;
      /** the audit user (a Site Admin: v3 lists need one) */
      sub: number;
      tokenUrl?: string;
      scope?: string;
    }
  | {
      kind: 'v3_authorization_code';
      clientId: string;
      clientSecret: string;
      tokenStore: TokenStore;
      tokenUrl?: string;
      auditUserId?: number | null;
    }
  | { kind: 'v1_key'; apiKey: string; onBehalfOf?: number | null };

export interface HarvestClientOptions {
  credentials: HarvestCredentials;
  /**
   * The shared budget: pass the same RateBudget (or store) to every client of the process; use a
   * PostgresRateBudgetStore to share it across worker processes.
   */
  budget: RateBudget | RateBudgetStore;
  /** default https://harvest.greenhouse.io */
  baseUrl?: string;
  /** rate window; default per version (DEFAULT_WINDOW_MS) */
  windowMs?: number;
  /** requests per window if known; otherwise learned from the first answer's X-RateLimit-Limit */
  initialLimit?: number | null;
  timeoutMs?: number;
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  /** longest wait for the shared budget before a retryable rate_limited error (default 120 s) */
  maxBudgetWaitMs?: number;
  /** refresh v3 access tokens this long before they expire (default 60 s) */
  refreshSkewMs?: number;
  fetch?: typeof fetch;
  logger?: HarvestLogger;
  /** Told about every HTTP exchange with Harvest (not the token endpoint), e.g. for metrics. */
  onResponse?: HarvestResponseObserver;
}

export function createHarvestAuth(
  c: HarvestCredentials,
  o: Pick<HarvestClientOptions, 'fetch' | 'refreshSkewMs' | 'timeoutMs'> = {},
): HarvestAuth {
  const common = {
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.refreshSkewMs !== undefined ? { refreshSkewMs: o.refreshSkewMs } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  };
  switch (c.kind) {
    case 'v1_key':
      return new V1KeyAuth({ apiKey: c.apiKey, onBehalfOf: c.onBehalfOf ?? null });
    case 'v3_client_credentials':
      return new V3ClientCredentialsAuth({
        ...common,
        tokenUrl: c.tokenUrl ?? DEFAULT_TOKEN_URL,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        sub: c.sub,
        ...(c.scope ? { scope: c.scope } : {}),
      });
    case 'v3_authorization_code':
      return new V3AuthorizationCodeAuth({
        ...common,
        tokenUrl: c.tokenUrl ?? DEFAULT_TOKEN_URL,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        tokenStore: c.tokenStore,
        auditUserId: c.auditUserId ?? null,
      });
  }
}

/** The Harvest client for one customer credential (v3 or v1 behind the same interface). */
export function createHarvestClient(opts: HarvestClientOptions): HarvestClient {
  const auth = createHarvestAuth(opts.credentials, opts);
  const budget = opts.budget instanceof RateBudget ? opts.budget : new RateBudget(opts.budget);
  const transport = new HarvestTransport({
    baseUrl: opts.baseUrl ?? DEFAULT_HARVEST_BASE_URL,
    auth,
    budget,
    windowMs: opts.windowMs ?? DEFAULT_WINDOW_MS[auth.version],
    ...(opts.initialLimit !== undefined ? { initialLimit: opts.initialLimit } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
    ...(opts.maxBudgetWaitMs !== undefined ? { maxBudgetWaitMs: opts.maxBudgetWaitMs } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.onResponse ? { onResponse: opts.onResponse } : {}),
  });
  return auth.version === 'v1' ? new HarvestV1Client(transport) : new HarvestV3Client(transport);
}
