import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Database } from '../../db/client.js';
import { createDatabaseOutboxStore } from '../../mail/database-outbox.js';
import type { OutboxStore } from '../../mail/outbox.js';
import { renderOutboxPage } from '../../mail/outbox-page.js';
import { messagePage } from './html.js';
import { pageSecurityHeaders } from './security-headers.js';
import { htmlPage } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';

export interface OutboxPageDeps {
  db: Database;
  operatorApiKey: string | undefined;
  /** Where mails are listed from; the database outbox by default. */
  outbox?: OutboxStore;
}

export const OUTBOX_REALM = 'greenroom outbox';

const getOutboxRoute: RouteSpec = {
  method: 'get',
  path: '/outbox',
  tag: 'pages',
  summary: 'Operator: the local mail outbox',
  description:
    'The last 200 mails the outbox transport stored instead of sending. The operator key as Bearer, or as the password of HTTP Basic (browsers).',
  security: 'operator',
  responses: {
    200: htmlPage('The mails, newest first.'),
    401: htmlPage('Operator key required (`WWW-Authenticate: Basic`).'),
    503: htmlPage('No operator key is configured.'),
  },
};

/**
 * The local outbox at /outbox: the mails the outbox transport stored instead of sending, newest
 * first (the last 200). They hold candidates' names, addresses and private links, so the page
 * needs the operator key, either as `Authorization: Bearer <key>` (scripts) or as the password of
 * HTTP Basic authentication (browsers prompt for it; the user name is ignored).
 */
export function outboxRoutes(deps: OutboxPageDeps): Router {
  const router = Router();
  const store = deps.outbox ?? createDatabaseOutboxStore(deps.db);
  route(
    router,
    getOutboxRoute,
    // Each mail is shown in a sandboxed srcdoc iframe, which inherits this policy: it may show
    // images (logos) but run nothing.
    pageSecurityHeaders({ csp: { 'img-src': 'https: data:' } }),
    requireOperatorKeyForPage(deps.operatorApiKey),
    async (_req, res, next) => {
      try {
        res.type('html').send(renderOutboxPage(await store.list({ limit: 200 })));
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}

/** Bearer or Basic (password = operator key); 401 with a Basic challenge and an HTML page otherwise. */
export function requireOperatorKeyForPage(operatorKey: string | undefined): RequestHandler {
  const expected = operatorKey ? sha256(operatorKey) : null;
  return (req, res, next) => {
    if (!expected) {
      return void res
        .status(503)
        .type('html')
        .send(messagePage('Outbox unavailable', 'No operator key is configured on this server.'));
    }
    const given = keyFrom(req.get('authorization') ?? '');
    if (given !== null && timingSafeEqual(sha256(given), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${OUTBOX_REALM}", charset="UTF-8"`)
      .type('html')
      .send(
        messagePage(
          'Operator key required',
          'Sign in with any user name and the operator key as the password.',
        ),
      );
  };
}

function keyFrom(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
