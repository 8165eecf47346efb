import type { NextFunction, Request, Response } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import type { SandboxAdmin } from './admin.js';
import { SandboxError } from './admin.js';
import type { Clock } from './clock.js';
import { ManualClock } from './clock.js';
import type { SandboxDeps } from './deps.js';
import { intParam, queryStrings } from './http-util.js';
import { V1_PERMISSIONS, V3_SCOPES } from './permissions.js';

const OrgSeedSchema = z.object({
  name: z.string().optional(),
  candidates: z.number().int().min(0).max(200_000).optional(),
  jobs: z.number().int().min(1).max(1000).optional(),
  users: z.number().int().min(3).max(1000).optional(),
  plan: z.enum(['enterprise', 'standard']).optional(),
  seed: z.number().int().optional(),
});

const IntegrationSchema = z.object({
  partnerApi: z
    .object({
      baseUrl: z.url(),
      apiKey: z.string().min(1).max(170),
      urls: z
        .partialRecord(z.enum(['list_tests', 'send_test', 'test_status', 'response_error']), z.url())
        .optional(),
    })
    .nullable()
    .optional(),
  callbackAuth: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('basic_key'), key: z.string().min(1) }),
      z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
    ])
    .optional(),
  webhook: z
    .object({
      url: z.url(),
      secret: z.string().min(1),
      enabled: z.boolean().optional(),
      ping: z.boolean().optional(),
      events: z.array(z.string().min(1)).nullable().optional(),
    })
    .nullable()
    .optional(),
});

const FaultSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('latency'),
    ms: z.number().int().min(0),
    route: z.string().optional(),
    count: z.number().int().positive().optional(),
    durationMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('fail_next'),
    route: z.string(),
    count: z.number().int().positive(),
    status: z.number().int().min(400).max(599).optional(),
    body: z.unknown().optional(),
  }),
  z.object({
    type: z.literal('burst_5xx'),
    route: z.string().optional(),
    count: z.number().int().positive().optional(),
    durationMs: z.number().int().positive().optional(),
    status: z.number().int().min(500).max(599).optional(),
  }),
  z.object({
    type: z.literal('storm_429'),
    route: z.string().optional(),
    count: z.number().int().positive().optional(),
    durationMs: z.number().int().positive().optional(),
    retryAfterS: z.number().int().positive().optional(),
  }),
]);

const SendTestSchema = z.object({
  partner_test_id: z.string().min(1),
  partner_test_name: z.string().optional(),
  sent_by_user_id: z.number().int().optional(),
  reuse: z.boolean().optional(),
});

type Handler = (req: Request, res: Response) => unknown;

/** Wrap handlers: SandboxError → its status; zod errors → 400 with the issues. */
const h =
  (fn: Handler) =>
  async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const out = await fn(req, res);
      if (!res.headersSent) res.json(out ?? { ok: true });
    } catch (e) {
      if (e instanceof SandboxError) res.status(e.status).json({ error: e.message });
      else if (e instanceof z.ZodError) res.status(400).json({ error: 'invalid body', issues: e.issues });
      else next(e);
    }
  };

const num = (v: unknown): number => {
  const n = intParam(v);
  if (n === undefined) throw new SandboxError(400, `not an id: ${String(v)}`);
  return n;
};

/** The sandbox admin API under `/_sandbox` (JSON), clearly apart from anything Greenhouse serves. */
export function adminRouter(d: SandboxDeps, admin: SandboxAdmin, clock: Clock): Router {
  const r = Router();
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

  r.get(
    '/health',
    h(() => ({ ok: true, url: d.state.url, orgs: d.state.orgs.size })),
  );
  r.get(
    '/permissions',
    h(() => ({ v1: V1_PERMISSIONS, v3: V3_SCOPES })),
  );
  r.get(
    '/orgs',
    h(() => [...d.state.orgs.keys()].map((id) => admin.orgInfo(id))),
  );
  r.post(
    '/orgs',
    h((req) => admin.createOrg(OrgSeedSchema.parse(body(req)))),
  );
  r.get(
    '/orgs/:org',
    h((req) => admin.orgInfo(num(req.params.org))),
  );
  r.post(
    '/orgs/:org/credentials/v1',
    h((req) => {
      const b = z
        .object({
          permissions: z.union([z.literal('all'), z.array(z.enum(V1_PERMISSIONS))]).optional(),
          key: z.string().optional(),
        })
        .parse(body(req));
      const c = admin.addV1Key(num(req.params.org), b.permissions ?? 'all', b.key);
      return { id: c.id, key: c.key };
    }),
  );
  r.post(
    '/orgs/:org/credentials/v3',
    h((req) => {
      const b = z
        .object({
          scopes: z.union([z.literal('all'), z.array(z.enum(V3_SCOPES))]).optional(),
          integration: z.enum(['custom', 'partner']).optional(),
        })
        .parse(body(req));
      const c = admin.addV3Client(num(req.params.org), {
        ...(b.scopes ? { scopes: b.scopes } : {}),
        ...(b.integration ? { integration: b.integration } : {}),
      });
      return { id: c.id, clientId: c.clientId, clientSecret: c.clientSecret };
    }),
  );
  r.post(
    '/credentials/:id/revoke',
    h((req) => admin.revokeCredential(String(req.params.id))),
  );
  r.post(
    '/credentials/:id/restore',
    h((req) => admin.restoreCredential(String(req.params.id))),
  );
  r.put(
    '/orgs/:org/integration',
    h((req) => {
      const b = IntegrationSchema.parse(body(req));
      return admin.configureIntegration(num(req.params.org), {
        ...(b.partnerApi !== undefined ? { partnerApi: b.partnerApi } : {}),
        ...(b.callbackAuth !== undefined ? { callbackAuth: b.callbackAuth } : {}),
        ...(b.webhook !== undefined ? { webhook: b.webhook } : {}),
      });
    }),
  );

  r.post(
    '/orgs/:org/applications/:app/move',
    h((req) => {
      const b = z
        .object({ to_stage_id: z.number().int().optional(), to_stage_name: z.string().optional() })
        .parse(body(req));
      admin.moveStage(num(req.params.org), num(req.params.app), {
        ...(b.to_stage_id !== undefined ? { stageId: b.to_stage_id } : {}),
        ...(b.to_stage_name !== undefined ? { stageName: b.to_stage_name } : {}),
      });
    }),
  );
  r.post(
    '/orgs/:org/applications/:app/hire',
    h((req) => admin.hire(num(req.params.org), num(req.params.app))),
  );
  r.post(
    '/orgs/:org/applications/:app/reject',
    h((req) =>
      admin.reject(
        num(req.params.org),
        num(req.params.app),
        z.object({ reason: z.string().optional() }).parse(body(req)).reason,
      ),
    ),
  );
  r.post(
    '/orgs/:org/candidates/:cand/delete',
    h((req) => admin.deleteCandidate(num(req.params.org), num(req.params.cand))),
  );
  r.delete(
    '/orgs/:org/candidates/:cand',
    h((req) => admin.deleteCandidate(num(req.params.org), num(req.params.cand))),
  );
  r.post(
    '/orgs/:org/candidates/:cand/merge',
    h((req) =>
      admin.mergeCandidates(
        num(req.params.org),
        num(req.params.cand),
        z.object({ intoCandidateId: z.number().int().positive() }).parse(body(req)).intoCandidateId,
      ),
    ),
  );
  r.post(
    '/orgs/:org/candidates/:cand/anonymize',
    h((req) =>
      admin.anonymizeCandidate(
        num(req.params.org),
        num(req.params.cand),
        z.object({ fields: z.array(z.string()).optional() }).parse(body(req)).fields,
      ),
    ),
  );

  r.post(
    '/orgs/:org/applications/:app/send_test',
    h(async (req) => {
      const b = SendTestSchema.parse(body(req));
      return admin.sendTest(num(req.params.org), num(req.params.app), {
        partnerTestId: b.partner_test_id,
        ...(b.partner_test_name ? { partnerTestName: b.partner_test_name } : {}),
        ...(b.sent_by_user_id !== undefined ? { sentByUserId: b.sent_by_user_id } : {}),
        ...(b.reuse !== undefined ? { reuse: b.reuse } : {}),
      });
    }),
  );
  r.post(
    '/orgs/:org/applications/:app/outstanding_test',
    h((req) =>
      admin.addOutstandingTest(
        num(req.params.org),
        num(req.params.app),
        z.object({ partner_test_id: z.string().optional() }).parse(body(req)).partner_test_id,
      ),
    ),
  );
  r.get(
    '/orgs/:org/list_tests',
    h((req) => admin.listTests(num(req.params.org))),
  );
  r.get(
    '/orgs/:org/tests',
    h((req) => admin.tests(num(req.params.org))),
  );
  r.post(
    '/orgs/:org/tests/:test/check_status',
    h((req) => admin.checkStatus(num(req.params.org), num(req.params.test))),
  );
  r.post(
    '/orgs/:org/tests/:test/cancel',
    h((req) => admin.cancelTest(num(req.params.org), num(req.params.test))),
  );

  r.get(
    '/partner/calls',
    h((req) => {
      const q = queryStrings(req.query);
      return d.partner.calls.filter(
        (c) =>
          (q.call === undefined || c.call === q.call) && (q.org === undefined || c.orgId === intParam(q.org)),
      );
    }),
  );
  r.get(
    '/partner/patches',
    h(() => d.partner.patches),
  );
  r.get(
    '/webhooks/deliveries',
    h((req) => {
      const q = queryStrings(req.query);
      return d.webhooks.deliveries({
        ...(q.org ? { orgId: num(q.org) } : {}),
        ...(q.action ? { action: q.action } : {}),
      });
    }),
  );

  r.get(
    '/faults',
    h(() => d.faults.list()),
  );
  r.post(
    '/faults',
    h((req) => {
      const f = FaultSchema.parse(body(req));
      const w = {
        ...(f.route !== undefined ? { route: f.route } : {}),
        ...(f.count !== undefined ? { count: f.count } : {}),
      };
      switch (f.type) {
        case 'latency':
          return d.faults.addLatency(f.ms, {
            ...w,
            ...(f.durationMs !== undefined ? { durationMs: f.durationMs } : {}),
          });
        case 'fail_next':
          return d.faults.failNext(f.route, f.count, {
            ...(f.status !== undefined ? { status: f.status } : {}),
            ...(f.body !== undefined ? { body: f.body } : {}),
          });
        case 'burst_5xx':
          return d.faults.burst5xx({
            ...w,
            ...(f.durationMs !== undefined ? { durationMs: f.durationMs } : {}),
            ...(f.status !== undefined ? { status: f.status } : {}),
          });
        case 'storm_429':
          return d.faults.storm429({
            ...w,
            ...(f.durationMs !== undefined ? { durationMs: f.durationMs } : {}),
            ...(f.retryAfterS !== undefined ? { retryAfterS: f.retryAfterS } : {}),
          });
      }
    }),
  );
  r.delete(
    '/faults',
    h(() => d.faults.clear()),
  );
  r.delete(
    '/faults/:id',
    h((req) => ({ removed: d.faults.remove(String(req.params.id)) })),
  );

  r.get(
    '/requests',
    h((req) => {
      const q = queryStrings(req.query);
      return d.log.list({
        ...(q.api ? { api: q.api } : {}),
        ...(q.method ? { method: q.method } : {}),
        ...(q.path ? { path: q.path } : {}),
        ...(q.status ? { status: Number(q.status) } : {}),
        ...(q.credential ? { credentialId: q.credential } : {}),
      });
    }),
  );
  r.delete(
    '/requests',
    h(() => d.log.clear()),
  );
  r.post(
    '/rate_limits/reset',
    h(() => {
      d.limiters.v1.reset();
      d.limiters.v3.reset();
      d.limiters.token.reset();
    }),
  );
  r.get(
    '/settings',
    h(() => d.settings),
  );
  r.put(
    '/settings',
    h((req) => {
      const patch = z
        .strictObject({
          v1: z.enum(['live', 'retired']).optional(),
          tokenAnswer: z.enum(['expires_at', 'expires_in']).optional(),
        })
        .parse(body(req));
      Object.assign(d.settings, patch);
      return d.settings;
    }),
  );
  r.post(
    '/clock/advance',
    h((req) => {
      if (!(clock instanceof ManualClock))
        throw new SandboxError(409, 'the sandbox runs on the system clock');
      clock.advance(z.object({ ms: z.number().int() }).parse(body(req)).ms);
      return { now: clock.now() };
    }),
  );

  // Stand-ins for Greenhouse's document storage (attachment and resume links).
  r.get('/files/:id', (req, res) => {
    const id = intParam(req.params.id);
    for (const o of d.state.orgs.values()) {
      for (const a of o.applications.values()) {
        const att = a.attachments.find((x) => x.id === id);
        if (att) {
          res.setHeader('Content-Type', att.contentType ?? 'application/octet-stream');
          res.setHeader('Content-Disposition', `attachment; filename="${att.filename.replace(/"/g, '')}"`);
          res.send(att.content ?? Buffer.alloc(0));
          return;
        }
      }
    }
    res.status(404).json({ message: 'Resource not found' });
  });
  r.get('/resumes/:cand', (req, res) => {
    const expires = Number(queryStrings(req.query).expires);
    if (Number.isFinite(expires) && expires < d.state.now()) {
      res.status(403).send('Link expired');
      return;
    }
    res.type('text/plain').send(`Resume of candidate ${String(req.params.cand)} (sandbox)\n`);
  });
  return r;
}
