import { createHash } from 'node:crypto';
import type { OperationInfo } from './errors.js';
import { HarvestError, errorFromFetchFailure, readErrorBody } from './errors.js';
import { parseRetryAfter } from './rate-budget.js';

/**
 * How the client authenticates. v1: Basic `<key>:` with On-Behalf-Of on writes. v3: a bearer token
 * from client credentials (`sub` = the audit user) or from the authorization code flow (refresh
 * tokens kept in a TokenStore and rotated).
 */
export interface HarvestAuth {
  readonly version: 'v1' | 'v3';
  /** a non-secret identity of the credential (a hash), for the shared rate budget key */
  readonly identity: string;
  /** the Greenhouse user writes are made as (On-Behalf-Of / sub), when known */
  readonly auditUserId: number | null;
  /** headers for one request; `write` adds On-Behalf-Of in v1 */
  headers(op: OperationInfo): Promise<Record<string, string>>;
  /** the server rejected this token as expired/invalid: drop it so that the next call gets a new one */
  invalidate(authorization: string): void;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

export interface V1KeyAuthOptions {
  apiKey: string;
  /** the audit user sent as On-Behalf-Of on every write */
  onBehalfOf?: number | null;
}

export class V1KeyAuth implements HarvestAuth {
  readonly version = 'v1' as const;
  readonly identity: string;
  readonly auditUserId: number | null;
  readonly #authorization: string;

  constructor(opts: V1KeyAuthOptions) {
    this.#authorization = basic(opts.apiKey, '');
    this.identity = `v1:${sha256(opts.apiKey)}`;
    this.auditUserId = opts.onBehalfOf ?? null;
  }

  async headers(op: OperationInfo): Promise<Record<string, string>> {
    const h: Record<string, string> = { Authorization: this.#authorization };
    if (op.write) {
      if (this.auditUserId === null) {
        throw new HarvestError({
          kind: 'configuration',
          operation: op.name,
          message: `no audit user (On-Behalf-Of) is configured for this Harvest v1 key, which Greenhouse requires to ${op.permission}`,
        });
      }
      h['On-Behalf-Of'] = String(this.auditUserId);
    }
    return h;
  }

  invalidate(): void {}

  /** Do not leak the key through util.inspect / console.log. */
  toJSON(): Record<string, unknown> {
    return { version: this.version, auditUserId: this.auditUserId };
  }
}

interface TokenAnswer {
  access_token: string;
  /** today's answer: the access token's expiry instant, ISO 8601 (greenhouse.md §0) */
  expires_at?: string;
  /** the older reading: lifetime in seconds */
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

/** Authorization-code refresh tokens live 24 hours from issue (greenhouse.md §0) unless told otherwise. */
export const REFRESH_TOKEN_LIFETIME_MS = 24 * 3_600_000;
const DEFAULT_ACCESS_LIFETIME_MS = 3_600_000;

/**
 * The access token's remaining lifetime: from `expires_at` when Greenhouse sends it, else from
 * `expires_in`, else one hour. An `expires_at` already past (clock skew) gives 0: the token is used
 * for the calls waiting on it and not cached.
 */
export function accessLifetimeMs(a: Pick<TokenAnswer, 'expires_at' | 'expires_in'>, now: number): number {
  if (typeof a.expires_at === 'string') {
    const at = Date.parse(a.expires_at);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  if (typeof a.expires_in === 'number' && Number.isFinite(a.expires_in)) return a.expires_in * 1000;
  return DEFAULT_ACCESS_LIFETIME_MS;
}

export interface TokenEndpointOptions {
  /** e.g. https://auth.greenhouse.io/token */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  /** refresh this long before expiry (default 60 s, capped at half the token's lifetime) */
  refreshSkewMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

const tokenOp: OperationInfo = { name: 'token', permission: 'obtain a Harvest v3 access token' };

/** POST the token endpoint with Basic client credentials; errors become HarvestErrors without secrets. */
async function postToken(
  o: TokenEndpointOptions,
  form: Record<string, string>,
  opts: { auditUserId?: number | null } = {},
): Promise<TokenAnswer> {
  const f = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? 30_000;
  let res: Response;
  try {
    res = await f(o.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: basic(o.clientId, o.clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw errorFromFetchFailure(tokenOp, err, timeoutMs);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.ok) {
    const b = body as Partial<TokenAnswer> | null;
    if (!b || typeof b.access_token !== 'string') {
      throw new HarvestError({
        kind: 'invalid_response',
        operation: 'token',
        status: res.status,
        message: 'the Greenhouse token endpoint answered without an access token',
      });
    }
    return b as TokenAnswer;
  }
  const eb = readErrorBody(body);
  const base = { operation: 'token', status: res.status };
  if (res.status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
    throw new HarvestError({
      ...base,
      kind: 'rate_limited',
      retryAfterMs,
      message: 'the Greenhouse token endpoint rate limit was reached',
    });
  }
  if (res.status >= 500)
    throw new HarvestError({
      ...base,
      kind: 'server',
      message: `the Greenhouse token endpoint answered ${res.status} (a temporary Greenhouse problem)`,
    });
  if (eb.oauthError === 'invalid_client' || res.status === 401)
    throw new HarvestError({
      ...base,
      kind: 'unauthorized',
      message: 'Greenhouse rejected the Harvest v3 client id or secret',
    });
  if (eb.oauthError === 'invalid_grant' && form.grant_type === 'client_credentials')
    throw new HarvestError({
      ...base,
      kind: 'audit_user_missing',
      message: `audit user ${opts.auditUserId ?? form.sub ?? '?'} does not exist or is deactivated in Greenhouse`,
    });
  if (eb.oauthError === 'invalid_grant')
    throw new HarvestError({
      ...base,
      kind: 'unauthorized',
      message:
        form.grant_type === 'refresh_token'
          ? 'Greenhouse rejected the stored refresh token (expired, revoked or already used): reconnect Greenhouse'
          : 'Greenhouse rejected the authorization code (expired or already used)',
    });
  if (eb.oauthError === 'invalid_scope')
    throw new HarvestError({
      ...base,
      kind: 'forbidden',
      message: 'the Harvest v3 client was not granted the requested scopes',
    });
  throw new HarvestError({
    ...base,
    kind: 'validation',
    message: `the Greenhouse token endpoint refused the request: ${eb.oauthError ?? res.status}${eb.oauthDescription ? ` (${eb.oauthDescription})` : ''}`,
  });
}

interface CachedToken {
  authorization: string;
  expiresAt: number;
}

abstract class BearerAuth implements HarvestAuth {
  readonly version = 'v3' as const;
  abstract readonly identity: string;
  abstract readonly auditUserId: number | null;
  #cached: CachedToken | null = null;
  /** tokens the server refused (401): never reused from a store (private: never logged) */
  readonly #rejected = new Set<string>();
  #inflight: Promise<CachedToken> | null = null;
  protected readonly now: () => number;

  readonly #skewMs: number;

  constructor(o: TokenEndpointOptions) {
    this.#skewMs = o.refreshSkewMs ?? 60_000;
    this.now = o.now ?? Date.now;
  }

  protected abstract fetchToken(): Promise<TokenAnswer>;

  protected cache(a: TokenAnswer): CachedToken {
    const lifetimeMs = accessLifetimeMs(a, this.now());
    const skew = Math.min(this.#skewMs, lifetimeMs / 2);
    return { authorization: `Bearer ${a.access_token}`, expiresAt: this.now() + lifetimeMs - skew };
  }

  /** The cached token, or exactly one token request shared by every concurrent caller. */
  async token(): Promise<string> {
    const c = this.#cached;
    if (c && c.expiresAt > this.now()) return c.authorization;
    if (!this.#inflight) {
      this.#inflight = this.fetchToken()
        .then((a) => (this.#cached = this.cache(a)))
        .finally(() => (this.#inflight = null));
    }
    return (await this.#inflight).authorization;
  }

  protected wasRejected(authorization: string): boolean {
    return this.#rejected.has(authorization);
  }

  protected get skewMs(): number {
    return this.#skewMs;
  }

  protected seed(t: CachedToken | null): void {
    this.#cached = t;
  }

  async headers(): Promise<Record<string, string>> {
    return { Authorization: await this.token() };
  }

  invalidate(authorization: string): void {
    this.#rejected.add(authorization);
    if (this.#rejected.size > 20) this.#rejected.delete(this.#rejected.values().next().value as string);
    if (this.#cached?.authorization === authorization) this.#cached = null;
  }

  toJSON(): Record<string, unknown> {
    return { version: this.version, auditUserId: this.auditUserId };
  }
}

export interface V3ClientCredentialsOptions extends TokenEndpointOptions {
  /** the Greenhouse user the integration acts as (replaces On-Behalf-Of); a Site Admin for lists */
  sub: number;
  scope?: string;
}

/** Customer-built integrations: `grant_type=client_credentials&sub=<user id>`. */
export class V3ClientCredentialsAuth extends BearerAuth {
  readonly identity: string;
  readonly auditUserId: number;
  readonly #opts: V3ClientCredentialsOptions;

  constructor(opts: V3ClientCredentialsOptions) {
    super(opts);
    this.#opts = opts;
    this.identity = `v3:${sha256(`${opts.tokenUrl} ${opts.clientId}`)}`;
    this.auditUserId = opts.sub;
  }

  protected fetchToken(): Promise<TokenAnswer> {
    const form: Record<string, string> = { grant_type: 'client_credentials', sub: String(this.#opts.sub) };
    if (this.#opts.scope) form.scope = this.#opts.scope;
    return postToken(this.#opts, form, { auditUserId: this.#opts.sub });
  }
}

/** What the authorization code flow keeps between processes (encrypted by the caller's store). */
export interface StoredTokens {
  refreshToken: string;
  refreshTokenExpiresAt?: number | null;
  accessToken?: string | null;
  accessTokenExpiresAt?: number | null;
}

/**
 * Persistence of the rotating refresh token (e.g. GreenhouseConnection.refreshTokenCiphertext).
 * `save` must replace the stored refresh token: the old one is spent after a refresh.
 */
export interface TokenStore {
  load(): Promise<StoredTokens | null>;
  save(tokens: StoredTokens): Promise<void>;
  /**
   * Runs `fn` holding the store's lock (a refresh token may be rotated by one process at a time),
   * with the tokens as stored once the lock is held and a `save` inside it. Stores shared between
   * processes implement it (tenants/token-store.ts: a row lock); without it concurrent refreshes
   * race and the loser falls back to the winner's saved tokens.
   */
  exclusive?<T>(
    fn: (stored: StoredTokens | null, save: (tokens: StoredTokens) => Promise<void>) => Promise<T>,
  ): Promise<T>;
}

export class MemoryTokenStore implements TokenStore {
  saves = 0;
  constructor(private tokens: StoredTokens | null = null) {}
  async load() {
    return this.tokens ? { ...this.tokens } : null;
  }
  async save(t: StoredTokens) {
    this.saves++;
    this.tokens = { ...t };
  }
}

export interface V3AuthorizationCodeOptions extends TokenEndpointOptions {
  tokenStore: TokenStore;
  /** the user who consented (the token's sub), for messages */
  auditUserId?: number | null;
}

/**
 * Partner integrations: access tokens from refresh tokens (1 h / 24 h in Greenhouse). Each refresh
 * rotates the refresh token; the new one is saved before the access token is used. If another
 * process rotated it first (our refresh answers invalid_grant but the store holds a newer token),
 * the newer one is used instead of failing.
 */
export class V3AuthorizationCodeAuth extends BearerAuth {
  readonly identity: string;
  readonly auditUserId: number | null;
  readonly #opts: V3AuthorizationCodeOptions;

  constructor(opts: V3AuthorizationCodeOptions) {
    super(opts);
    this.#opts = opts;
    this.identity = `v3:${sha256(`${opts.tokenUrl} ${opts.clientId}`)}`;
    this.auditUserId = opts.auditUserId ?? null;
  }

  private async refreshWith(
    stored: StoredTokens,
    save: (t: StoredTokens) => Promise<void> = (t) => this.#opts.tokenStore.save(t),
  ): Promise<TokenAnswer> {
    const a = await postToken(this.#opts, {
      grant_type: 'refresh_token',
      refresh_token: stored.refreshToken,
    });
    await save(this.toStored(a, stored));
    return a;
  }

  private toStored(a: TokenAnswer, previous: StoredTokens | null): StoredTokens {
    const now = this.now();
    const rotated = a.refresh_token !== undefined && a.refresh_token !== previous?.refreshToken;
    return {
      refreshToken: a.refresh_token ?? previous?.refreshToken ?? '',
      refreshTokenExpiresAt: a.refresh_token_expires_in
        ? now + a.refresh_token_expires_in * 1000
        : rotated
          ? now + REFRESH_TOKEN_LIFETIME_MS
          : (previous?.refreshTokenExpiresAt ?? null),
      accessToken: a.access_token,
      accessTokenExpiresAt: now + accessLifetimeMs(a, now),
    };
  }

  private noRefreshToken(): HarvestError {
    return new HarvestError({
      kind: 'unauthorized',
      operation: 'token',
      message: 'no Greenhouse refresh token is stored for this connection: reconnect Greenhouse',
    });
  }

  /**
   * Rotates the refresh token now, whatever the access token's age (the refresh schedule keeps a
   * quiet tenant's 24-hour refresh token alive). Under the store's lock when it has one.
   */
  async refreshNow(): Promise<{ refreshTokenExpiresAt: number | null }> {
    const store = this.#opts.tokenStore;
    const run = async (stored: StoredTokens | null, save?: (t: StoredTokens) => Promise<void>) => {
      if (!stored?.refreshToken) throw this.noRefreshToken();
      const a = await this.refreshWith(stored, save);
      this.seed(this.cache(a));
      return this.toStored(a, stored).refreshTokenExpiresAt ?? null;
    };
    const refreshTokenExpiresAt = store.exclusive
      ? await store.exclusive((stored, save) => run(stored, save))
      : await run(await store.load());
    return { refreshTokenExpiresAt };
  }

  protected async fetchToken(): Promise<TokenAnswer> {
    const store = this.#opts.tokenStore;
    const stored = await store.load();
    if (!stored?.refreshToken) throw this.noRefreshToken();
    // Another process may already hold a fresh access token.
    const usable = this.storedAccess(stored);
    if (usable) return usable;
    if (store.exclusive) {
      // One process rotates at a time; whoever waited finds the winner's tokens under the lock.
      return store.exclusive(async (locked, save) => {
        if (!locked?.refreshToken) throw this.noRefreshToken();
        return this.storedAccess(locked) ?? this.refreshWith(locked, save);
      });
    }
    try {
      return await this.refreshWith(stored);
    } catch (err) {
      if (!(err instanceof HarvestError) || err.kind !== 'unauthorized' || err.status === null) throw err;
      // Refresh tokens rotate: another process may have used ours a moment ago. Its new tokens
      // reach the store right after its answer; look for them before giving up.
      for (let i = 0; i < 10; i++) {
        const again = await this.#opts.tokenStore.load();
        if (again?.refreshToken && again.refreshToken !== stored.refreshToken) {
          return this.storedAccess(again) ?? this.refreshWith(again);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw err;
    }
  }

  private storedAccess(stored: StoredTokens): TokenAnswer | null {
    if (!stored.accessToken || !stored.accessTokenExpiresAt) return null;
    if (this.wasRejected(`Bearer ${stored.accessToken}`)) return null;
    const remaining = stored.accessTokenExpiresAt - this.now();
    if (remaining <= Math.min(this.skewMs, 30_000)) return null;
    return {
      access_token: stored.accessToken,
      expires_at: new Date(stored.accessTokenExpiresAt).toISOString(),
    };
  }

  /** Exchange the code from `/authorize` (valid 1 minute) and store the first refresh token. */
  async exchangeCode(code: string, redirectUri: string): Promise<void> {
    const a = await postToken(this.#opts, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    await this.#opts.tokenStore.save(this.toStored(a, null));
    this.seed(this.cache(a));
  }
}
