import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Readings } from '../assumptions.js';
import { ASSUMPTIONS } from '../assumptions.js';
import type { Credential } from '../credentials.js';
import { parseBasic, parseBearer } from '../credentials.js';
import type { SandboxDeps } from '../deps.js';
import { intParam, notFound } from '../http-util.js';
import type { V1Permission, V3Scope } from '../permissions.js';
import type { RateLimiter } from '../rate-limit.js';
import type { Org } from '../store.js';

/** Who is calling, resolved by the auth middleware and kept in res.locals. */
export interface HarvestCtx {
  api: 'v1' | 'v3';
  org: Org;
  credential: Credential;
  /** v3: the token's `sub`; v1: the On-Behalf-Of user once checked */
  userId: number | null;
  scopes: ReadonlySet<string> | 'all';
}

export const ctxOf = (res: Response): HarvestCtx => res.locals.harvest as HarvestCtx;

/** v1: Basic with the key as username and an empty password. */
export function v1Auth(d: SandboxDeps): RequestHandler {
  return (req, res, next) => {
    const basic = parseBasic(req.headers.authorization);
    const cred = basic && basic.pass === '' ? d.creds.v1ByApiKey(basic.user) : undefined;
    const org = cred ? d.state.org(cred.orgId) : undefined;
    if (!cred || !org) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Harvest API"');
      res.status(ASSUMPTIONS.v1BadCredentials.status).json({ message: ASSUMPTIONS.v1BadCredentials.message });
      return;
    }
    res.locals.harvest = {
      api: 'v1',
      org,
      credential: cred,
      userId: null,
      scopes: 'all',
    } satisfies HarvestCtx;
    next();
  };
}

/** v3: Bearer JWT from the token server; expired or revoked → 401. */
export function v3Auth(d: SandboxDeps): RequestHandler {
  return (req, res, next) => {
    const token = parseBearer(req.headers.authorization);
    const claims = token ? d.creds.verifyAccessToken(token) : undefined;
    if (!claims || claims === 'expired') {
      const expired = claims === 'expired';
      res.setHeader(
        'WWW-Authenticate',
        `Bearer error="invalid_token"${expired ? ', error_description="The access token expired"' : ''}`,
      );
      res.status(401).json({ message: expired ? 'The access token expired' : 'Invalid access token' });
      return;
    }
    const cred = d.creds.get(claims.cid);
    const org = d.state.org(claims.org);
    if (!cred || !org) {
      res.status(401).json({ message: 'Invalid access token' });
      return;
    }
    res.locals.harvest = {
      api: 'v3',
      org,
      credential: cred,
      userId: claims.sub,
      scopes: new Set(claims.scope.split(' ')),
    } satisfies HarvestCtx;
    next();
  };
}

/** Per-credential window: X-RateLimit-Limit/Remaining on every answer, 429 + Retry-After beyond it. */
export function rateLimit(limiter: RateLimiter, withReset: boolean): RequestHandler {
  return (_req, res, next) => {
    const ctx = ctxOf(res);
    const r = limiter.hit(ctx.credential.id);
    res.setHeader('X-RateLimit-Limit', String(r.limit));
    res.setHeader('X-RateLimit-Remaining', String(r.remaining));
    if (withReset) res.setHeader('X-RateLimit-Reset', String(Math.ceil(r.resetAt / 1000)));
    if (!r.allowed) {
      res.setHeader('Retry-After', String(r.retryAfterS));
      res.status(429).json({ message: 'Rate limit exceeded' });
      return;
    }
    next();
  };
}

export function v1Need(perm: V1Permission): RequestHandler {
  return (_req, res, next) => {
    const cred = ctxOf(res).credential;
    if (cred.kind === 'v1' && cred.permissions !== 'all' && !cred.permissions.has(perm)) {
      res
        .status(ASSUMPTIONS.v1MissingPermission.status)
        .json({ message: ASSUMPTIONS.v1MissingPermission.message, permission: perm });
      return;
    }
    next();
  };
}

/** Every v1 write names its audit user; an unknown user is a 404 (create_candidate_note_invalid_on_behalf_of.json). */
export function onBehalfOf(req: Request, res: Response, next: NextFunction): void {
  const ctx = ctxOf(res);
  const raw = req.headers['on-behalf-of'];
  if (raw === undefined || raw === '') {
    const a = ASSUMPTIONS.missingOnBehalfOf;
    res
      .status(a.status)
      .json({ message: 'Validation error', errors: [{ message: a.message, field: a.field }] });
    return;
  }
  const id = intParam(Array.isArray(raw) ? raw[0] : raw);
  const user = id === undefined ? undefined : ctx.org.users.get(id);
  if (!user) {
    notFound(res);
    return;
  }
  ctx.userId = user.id;
  next();
}

/**
 * v3 scope check; list endpoints also need a Site Admin `sub` (secondary source). A non-admin list
 * answers `200 []` or 403, as the `v3NonAdminLists` reading says.
 */
export function v3Need(
  scope: V3Scope,
  opts: { list?: boolean; nonAdminLists?: () => Readings['v3NonAdminLists'] } = {},
): RequestHandler {
  return (_req, res, next) => {
    const ctx = ctxOf(res);
    if (ctx.scopes !== 'all' && !ctx.scopes.has(scope)) {
      res
        .status(ASSUMPTIONS.v3MissingScope.status)
        .json({ message: ASSUMPTIONS.v3MissingScope.message, scope });
      return;
    }
    const user = ctx.userId === null ? undefined : ctx.org.users.get(ctx.userId);
    if (!user || user.disabled) {
      res.status(403).json({ message: 'The token user (sub) no longer has access' });
      return;
    }
    if (opts.list && ASSUMPTIONS.v3ListNeedsSiteAdmin && !user.siteAdmin) {
      if (opts.nonAdminLists?.() === 'empty') res.json([]);
      else res.status(403).json({ message: 'List endpoints require a Site Admin user (sub)' });
      return;
    }
    next();
  };
}
