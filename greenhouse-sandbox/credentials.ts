import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import type { V1Permission, V3Scope } from './permissions.js';

export interface V1Key {
  kind: 'v1';
  id: string;
  orgId: number;
  key: string;
  permissions: 'all' | ReadonlySet<V1Permission>;
  revoked: boolean;
}

export interface V3Client {
  kind: 'v3';
  id: string;
  orgId: number;
  clientId: string;
  clientSecret: string;
  scopes: 'all' | ReadonlySet<V3Scope>;
  /** custom = client credentials; partner = authorization code (greenhouse.md §3.1). */
  integration: 'custom' | 'partner';
  revoked: boolean;
}

export type Credential = V1Key | V3Client;

export interface TokenClaims {
  jti: string;
  /** credential id the token was minted from (rate limits and revocation follow it) */
  cid: string;
  org: number;
  sub: number;
  scope: string;
  iat: number;
  exp: number;
}

interface Grant {
  credentialId: string;
  orgId: number;
  sub: number;
  scopes: string;
  expiresAt: number;
  redirectUri?: string;
}

export interface Lifetimes {
  access: number;
  refresh: number;
  code: number;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Credentials of every organisation plus the v3 token server's tokens, codes and refresh tokens. */
export class CredentialStore {
  private readonly byId = new Map<string, Credential>();
  private readonly v1ByKey = new Map<string, V1Key>();
  private readonly v3ByClientId = new Map<string, V3Client>();
  private readonly codes = new Map<string, Grant>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly revokedTokens = new Set<string>();
  private readonly signingKey = randomBytes(32);
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    public lifetimes: Lifetimes,
  ) {}

  addV1(orgId: number, opts: { key?: string; permissions?: 'all' | readonly V1Permission[] } = {}): V1Key {
    const id = `v1-${++this.seq}`;
    const cred: V1Key = {
      kind: 'v1',
      id,
      orgId,
      key: opts.key ?? `ghv1_${orgId}_${this.seq}_${randomBytes(8).toString('hex')}`,
      permissions: !opts.permissions || opts.permissions === 'all' ? 'all' : new Set(opts.permissions),
      revoked: false,
    };
    this.byId.set(id, cred);
    this.v1ByKey.set(cred.key, cred);
    return cred;
  }

  addV3(
    orgId: number,
    opts: {
      clientId?: string;
      clientSecret?: string;
      scopes?: 'all' | readonly V3Scope[];
      integration?: 'custom' | 'partner';
    } = {},
  ): V3Client {
    const id = `v3-${++this.seq}`;
    const cred: V3Client = {
      kind: 'v3',
      id,
      orgId,
      clientId: opts.clientId ?? `ghv3_${orgId}_${this.seq}`,
      clientSecret: opts.clientSecret ?? randomBytes(16).toString('hex'),
      scopes: !opts.scopes || opts.scopes === 'all' ? 'all' : new Set(opts.scopes),
      integration: opts.integration ?? 'custom',
      revoked: false,
    };
    this.byId.set(id, cred);
    this.v3ByClientId.set(cred.clientId, cred);
    return cred;
  }

  get(id: string): Credential | undefined {
    return this.byId.get(id);
  }

  list(orgId?: number): Credential[] {
    return [...this.byId.values()].filter((c) => orgId === undefined || c.orgId === orgId);
  }

  revoke(id: string): boolean {
    const c = this.byId.get(id);
    if (!c) return false;
    c.revoked = true;
    return true;
  }

  restore(id: string): boolean {
    const c = this.byId.get(id);
    if (!c) return false;
    c.revoked = false;
    return true;
  }

  v1ByApiKey(key: string): V1Key | undefined {
    const c = this.v1ByKey.get(key);
    return c && !c.revoked ? c : undefined;
  }

  v3Client(clientId: string, secret: string): V3Client | undefined {
    const c = this.v3ByClientId.get(clientId);
    if (!c || c.revoked) return undefined;
    const a = Buffer.from(c.clientSecret);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b) ? c : undefined;
  }

  v3ClientById(clientId: string): V3Client | undefined {
    return this.v3ByClientId.get(clientId);
  }

  /** Mint an HS256 JWT access token. */
  mintAccessToken(
    credentialId: string,
    orgId: number,
    sub: number,
    scope: string,
  ): { token: string; claims: TokenClaims } {
    const iat = Math.floor(this.clock.now() / 1000);
    const claims: TokenClaims = {
      jti: randomBytes(12).toString('hex'),
      cid: credentialId,
      org: orgId,
      sub,
      scope,
      iat,
      // Fractional seconds are valid NumericDates and let tests use sub-second lifetimes.
      exp: (this.clock.now() + this.lifetimes.access) / 1000,
    };
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = b64url(createHmac('sha256', this.signingKey).update(`${head}.${body}`).digest());
    return { token: `${head}.${body}.${sig}`, claims };
  }

  /** Verify a bearer token: signature, expiry (ms precision against the clock), credential not revoked. */
  verifyAccessToken(token: string): TokenClaims | 'expired' | undefined {
    const [head, body, sig] = token.split('.');
    if (!head || !body || !sig) return undefined;
    const want = b64url(createHmac('sha256', this.signingKey).update(`${head}.${body}`).digest());
    if (want.length !== sig.length || !timingSafeEqual(Buffer.from(want), Buffer.from(sig))) return undefined;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    const cred = this.byId.get(claims.cid);
    if (!cred || cred.revoked || this.revokedTokens.has(claims.jti)) return undefined;
    if (this.clock.now() >= claims.exp * 1000) return 'expired';
    return claims;
  }

  revokeToken(jti: string): void {
    this.revokedTokens.add(jti);
  }

  issueCode(g: Omit<Grant, 'expiresAt'>): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { ...g, expiresAt: this.clock.now() + this.lifetimes.code });
    return code;
  }

  /** Single use: a code is gone after the first exchange, successful or not. */
  takeCode(code: string): Grant | undefined {
    const g = this.codes.get(code);
    this.codes.delete(code);
    return g && g.expiresAt > this.clock.now() ? g : undefined;
  }

  issueRefresh(g: Omit<Grant, 'expiresAt'>): string {
    const t = randomBytes(24).toString('hex');
    this.refreshTokens.set(t, { ...g, expiresAt: this.clock.now() + this.lifetimes.refresh });
    return t;
  }

  /** Refresh tokens rotate: the presented one is consumed. */
  takeRefresh(token: string): Grant | undefined {
    const g = this.refreshTokens.get(token);
    this.refreshTokens.delete(token);
    return g && g.expiresAt > this.clock.now() ? g : undefined;
  }
}

/** Parse `Authorization: Basic` ourselves: many middlewares reject the empty password Greenhouse uses. */
export function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

export function parseBearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

export function scopeString(scopes: 'all' | ReadonlySet<string>, all: readonly string[]): string {
  return (scopes === 'all' ? [...all] : [...scopes]).join(' ');
}
