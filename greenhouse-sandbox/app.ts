import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { SandboxAdmin } from './admin.js';
import { adminRouter } from './admin-routes.js';
import { callbackRouter } from './client/callback-route.js';
import type { Clock } from './clock.js';
import type { SandboxDeps } from './deps.js';
import type { HarvestCtx } from './harvest/context.js';
import { harvestV1Router } from './harvest/v1-routes.js';
import { harvestV3Router } from './harvest/v3-routes.js';
import { sleep } from './http-util.js';
import { redactHeaders } from './request-log.js';
import { v1RetiredGate } from './retired.js';
import { tokenRouter } from './token-routes.js';

const apiOf = (path: string): string => {
  if (path.startsWith('/v1/')) return 'v1';
  if (path.startsWith('/v3/')) return 'v3';
  if (path === '/token' || path === '/authorize' || path === '/auth/token') return 'token';
  if (path.startsWith('/integrations/')) return 'callback';
  if (path.startsWith('/_sandbox/')) return 'admin';
  return 'other';
};

/** Token requests may carry secrets in the form body: keep the field names, drop the values. */
const redactForm = (b: unknown): unknown => {
  if (!b || typeof b !== 'object') return b ?? null;
  const out: Record<string, unknown> = { ...(b as Record<string, unknown>) };
  for (const k of ['client_secret', 'refresh_token', 'code']) if (k in out) out[k] = '[redacted]';
  return out;
};

/** One HTTP app: Harvest v1 and v3, the auth server, the completion callback and `/_sandbox`. */
export function createApp(d: SandboxDeps, admin: SandboxAdmin, clock: Clock): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Request log: everything but the admin API's own reads.
  app.use((req, res, next) => {
    const started = Date.now();
    const at = d.state.now();
    // Capture before routers strip their mount path from req.url.
    const path = req.path;
    const query = req.query as Record<string, unknown>;
    res.on('finish', () => {
      const api = apiOf(path);
      if (api === 'admin' && req.method === 'GET') return;
      const ctx = res.locals.harvest as HarvestCtx | undefined;
      d.log.add({
        at,
        direction: 'inbound',
        api,
        method: req.method,
        path,
        query,
        headers: redactHeaders(req.headers),
        body: api === 'token' ? redactForm(req.body) : (req.body ?? null),
        status: res.statusCode,
        durationMs: Date.now() - started,
        credentialId: ctx?.credential.id ?? (res.locals.credentialId as string | undefined) ?? null,
        orgId: ctx?.org.id ?? (res.locals.orgId as number | undefined) ?? null,
        fault: (res.locals.fault as string | undefined) ?? null,
      });
    });
    next();
  });

  // Fault injection before anything Greenhouse would do (the admin API is never faulted).
  app.use(async (req, res, next) => {
    if (req.path.startsWith('/_sandbox/')) return next();
    const f = d.faults.evaluate(req.method, req.path);
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    if (f.error) {
      res.locals.fault = f.error.label;
      for (const [k, v] of Object.entries(f.error.headers)) res.setHeader(k, v);
      res.status(f.error.status).json(f.error.body);
      return;
    }
    next();
  });

  app.use(express.urlencoded({ extended: false, limit: '1mb' }));
  app.use(express.json({ limit: '50mb' }));

  app.use('/v1', v1RetiredGate(d.settings), harvestV1Router(d));
  app.use('/v3', harvestV3Router(d));
  app.use(tokenRouter(d));
  app.use(callbackRouter(d));
  app.use('/_sandbox', adminRouter(d, admin, clock));
  app.get('/people/:id', (req, res) => {
    res
      .type('text/html')
      .send(`<h1>Candidate ${String(req.params.id)}</h1><p>Greenhouse sandbox profile page.</p>`);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ message: 'Resource not found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ message: 'Malformed JSON body' });
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json({ message: 'Request body too large' });
      return;
    }
    res.status(500).json({ message: 'Internal Server Error', detail: e.message });
  });
  return app;
}
