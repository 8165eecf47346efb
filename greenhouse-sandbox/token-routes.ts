import type { Request, Response } from 'express';
import { Router } from 'express';
import { ASSUMPTIONS } from './assumptions.js';
import type { V3Client } from './credentials.js';
import { parseBasic, scopeString } from './credentials.js';
import type { SandboxDeps } from './deps.js';
import { intParam, queryStrings } from './http-util.js';
import { V3_SCOPES } from './permissions.js';
import { v1RetiredGate } from './retired.js';
import type { Org } from './store.js';

/** OAuth error bodies (RFC 6749 §5.2). */
const oauthError = (res: Response, status: number, error: string, description: string): void => {
  res.status(status).json({ error, error_description: description });
};

const form = (req: Request): Record<string, string> => queryStrings(req.body);

/**
 * The v3 auth server (`POST /token`, `GET /authorize`) and the transition mint `POST /auth/token`
 * (a v1 key → a v3 token, secondary source).
 */
export function tokenRouter(d: SandboxDeps): Router {
  const r = Router();
  const lifetimes = () => d.creds.lifetimes;

  const limited = (res: Response, key: string): boolean => {
    const rl = d.limiters.token.hit(key);
    res.setHeader('X-RateLimit-Limit', String(rl.limit));
    res.setHeader('X-RateLimit-Remaining', String(rl.remaining));
    if (rl.allowed) return false;
    res.setHeader('Retry-After', String(rl.retryAfterS));
    res.status(429).json({ error: 'rate_limited', error_description: 'Too many token requests' });
    return true;
  };

  /** Requested scopes must be a subset of the client's. */
  const grantScopes = (client: V3Client, requested: string | undefined): string | null => {
    const own = scopeString(client.scopes, V3_SCOPES);
    if (!requested) return own;
    const ownSet = new Set(own.split(' '));
    const req = requested.split(/[\s+]+/).filter(Boolean);
    return req.every((s) => ownSet.has(s)) ? req.join(' ') : null;
  };

  const userOf = (org: Org | undefined, sub: string | undefined) => {
    const id = intParam(sub);
    const u = org && id !== undefined ? org.users.get(id) : undefined;
    return u && !u.disabled ? u : undefined;
  };

  const issue = (
    res: Response,
    credentialId: string,
    orgId: number,
    sub: number,
    scope: string,
    withRefresh: boolean,
    redirectUri?: string,
  ) => {
    const { token, claims } = d.creds.mintAccessToken(credentialId, orgId, sub, scope);
    // Today's answer names the expiry instant; the older reading gave lifetimes in seconds.
    const legacy = d.settings.tokenAnswer === 'expires_in';
    const body: Record<string, unknown> = {
      access_token: token,
      token_type: 'Bearer',
      ...(legacy
        ? { expires_in: Math.ceil(lifetimes().access / 1000) }
        : { expires_at: new Date(claims.exp * 1000).toISOString() }),
      scope,
    };
    if (withRefresh) {
      body.refresh_token = d.creds.issueRefresh({
        credentialId,
        orgId,
        sub,
        scopes: scope,
        ...(redirectUri ? { redirectUri } : {}),
      });
      if (legacy) body.refresh_token_expires_in = Math.ceil(lifetimes().refresh / 1000);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  };

  r.post('/token', (req, res) => {
    const f = form(req);
    const basic = parseBasic(req.headers.authorization);
    const clientId = basic?.user ?? f.client_id;
    const secret = basic?.pass ?? f.client_secret;
    if (clientId && limited(res, `token:${clientId}`)) return;
    const client = clientId && secret !== undefined ? d.creds.v3Client(clientId, secret) : undefined;
    if (!client) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Greenhouse"');
      return oauthError(res, 401, 'invalid_client', 'Unknown client or bad secret');
    }
    res.locals.credentialId = client.id;
    const org = d.state.org(client.orgId);
    switch (f.grant_type) {
      case 'client_credentials': {
        if (!f.sub)
          return oauthError(res, 400, 'invalid_request', 'sub (the Greenhouse user id) is required');
        const user = userOf(org, f.sub);
        if (!user)
          return oauthError(res, 400, 'invalid_grant', 'sub is not an active user of this organization');
        const scope = grantScopes(client, f.scope);
        if (scope === null)
          return oauthError(res, 400, 'invalid_scope', 'Requested scope exceeds the client scopes');
        return issue(res, client.id, client.orgId, user.id, scope, false);
      }
      case 'authorization_code': {
        const g = f.code ? d.creds.takeCode(f.code) : undefined;
        if (!g || g.credentialId !== client.id)
          return oauthError(res, 400, 'invalid_grant', 'Unknown, used or expired code');
        if (g.redirectUri && g.redirectUri !== f.redirect_uri)
          return oauthError(res, 400, 'invalid_grant', 'redirect_uri does not match');
        return issue(res, client.id, g.orgId, g.sub, g.scopes, true, g.redirectUri);
      }
      case 'refresh_token': {
        const g = f.refresh_token ? d.creds.takeRefresh(f.refresh_token) : undefined;
        if (!g || g.credentialId !== client.id)
          return oauthError(res, 400, 'invalid_grant', 'Unknown, used or expired refresh token');
        return issue(res, client.id, g.orgId, g.sub, g.scopes, true, g.redirectUri);
      }
      default:
        return oauthError(
          res,
          400,
          'unsupported_grant_type',
          'grant_type must be client_credentials, authorization_code or refresh_token',
        );
    }
  });

  /** The partner consent screen, auto-approved by `sub` (default: the org's Site Admin). */
  r.get('/authorize', (req, res) => {
    const q = queryStrings(req.query);
    const client = q.client_id ? d.creds.v3ClientById(q.client_id) : undefined;
    if (!client || client.revoked) return oauthError(res, 400, 'invalid_client', 'Unknown client_id');
    if (q.response_type !== 'code')
      return oauthError(res, 400, 'unsupported_response_type', 'response_type must be code');
    if (!q.redirect_uri) return oauthError(res, 400, 'invalid_request', 'redirect_uri is required');
    const org = d.state.org(client.orgId);
    const user = q.sub ? userOf(org, q.sub) : org?.siteAdmin();
    if (!user) return oauthError(res, 400, 'invalid_request', 'sub is not an active user');
    const target = new URL(q.redirect_uri);
    const scope = grantScopes(client, q.scope);
    if (ASSUMPTIONS.authorizeRequiresScope && !q.scope?.trim()) {
      target.searchParams.set('error', 'invalid_request');
      target.searchParams.set('error_description', 'scope is required');
    } else if (scope === null) {
      target.searchParams.set('error', 'invalid_scope');
    } else {
      target.searchParams.set(
        'code',
        d.creds.issueCode({
          credentialId: client.id,
          orgId: client.orgId,
          sub: user.id,
          scopes: scope,
          redirectUri: q.redirect_uri,
        }),
      );
    }
    if (q.state) target.searchParams.set('state', q.state);
    res.redirect(302, target.toString());
  });

  /** Transition mint: Basic `<v1 key>:` → a v3 token for `sub` (default: the Site Admin). */
  r.post('/auth/token', v1RetiredGate(d.settings), (req, res) => {
    const basic = parseBasic(req.headers.authorization);
    const key = basic && basic.pass === '' ? d.creds.v1ByApiKey(basic.user) : undefined;
    if (!key) return oauthError(res, 401, 'invalid_client', 'Invalid Harvest API key');
    if (limited(res, `token:${key.id}`)) return;
    res.locals.credentialId = key.id;
    const org = d.state.org(key.orgId);
    const f = { ...queryStrings(req.query), ...form(req) };
    const user = f.sub ? userOf(org, f.sub) : org?.siteAdmin();
    if (!user) return oauthError(res, 400, 'invalid_grant', 'sub is not an active user of this organization');
    const scope = ASSUMPTIONS.v1MintedTokenScopes === 'all' ? V3_SCOPES.join(' ') : '';
    return issue(res, key.id, key.orgId, user.id, scope, false);
  });

  return r;
}
