import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Database, Prisma } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { insertAuditEntry, listAuditEntries } from '../../operators/audit-repository.js';
import { cursorOr400, handle, HttpError, parseInput } from '../http-errors.js';
import { pageCursor } from '../../db/page-cursor.js';
import { err, invalidInput, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { assertRole, listedTenant, operatorOf } from './identity.js';

export type AuditOutcome = 'ok' | 'refused' | 'failed';

export interface AuditFacts {
  /** e.g. journey.resend, journey.cancel, invites.bulk, keys.create */
  action: string;
  tenantId?: string | null;
  journeyId?: string | null;
  /** What changed, in ids and counts: never personal data. */
  detail?: Record<string, unknown>;
}

/** Writes one audit entry for the calling operator. */
export async function recordAudit(db: Database, res: Response, facts: AuditFacts, outcome: AuditOutcome) {
  const operator = operatorOf(res);
  await insertAuditEntry(db, {
    actor: operator.name,
    actorKeyId: operator.keyId,
    role: operator.role,
    tenantId: facts.tenantId ?? operator.tenantId,
    journeyId: facts.journeyId ?? null,
    action: facts.action,
    outcome,
    ...(facts.detail ? { detail: facts.detail as Prisma.InputJsonValue } : {}),
  });
}

/**
 * Runs an operator action and audits it whatever happens: `ok` with what the action returned as
 * detail, `refused` when a rule said no (4xx), `failed` when something broke. The error is rethrown
 * for the API's error handler.
 */
export async function audited<T extends Record<string, unknown>>(
  db: Database,
  res: Response,
  facts: AuditFacts,
  action: () => Promise<T>,
): Promise<T> {
  try {
    const result = await action();
    await recordAudit(db, res, { ...facts, detail: { ...facts.detail, ...result } }, 'ok');
    return result;
  } catch (err) {
    // 501: the action does not exist yet — a refusal, not a breakage.
    const refused =
      (err instanceof HttpError && (err.status < 500 || err.status === 501)) ||
      (err instanceof ServiceError && err.kind !== 'upstream_unavailable');
    await recordAudit(
      db,
      res,
      {
        ...facts,
        detail: { ...facts.detail, error: err instanceof Error ? err.message.slice(0, 500) : 'error' },
      },
      refused ? 'refused' : 'failed',
    ).catch(() => undefined);
    throw err;
  }
}

// --- Reading the trail ----------------------------------------------------------------------------

const text = z.string().trim().min(1).max(200).optional();
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with offset' });

export const AuditListQuery = z
  .strictObject({
    tenantId: text,
    actor: text,
    action: text,
    journeyId: text,
    /** Entries at or after this time. */
    from: instant.optional(),
    /** Entries before this time. */
    to: instant.optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'must be a whole number')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 500, 'must be between 1 and 500')
      .default(50),
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    error: 'must be later than from',
    path: ['to'],
  });

const AuditEntryView = z.object({
  id: z.number().int(),
  at: z.iso.datetime({ offset: true }),
  actor: z.string(),
  actorKeyId: z.string().nullable(),
  role: z.string(),
  tenantId: z.string().nullable(),
  journeyId: z.string().nullable(),
  action: z.string(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  detail: z.unknown(),
});

const getAuditRoute: RouteSpec = {
  method: 'get',
  path: '/audit',
  tag: 'operator: audit',
  summary: 'Read the audit trail',
  description:
    'Operator actions, newest first, filtered by tenant, actor (key name), action, journey and time ' +
    '(`from` inclusive, `to` exclusive); page with `cursor` = the last answer’s `nextCursor`. Admin ' +
    'and support keys; a tenant-scoped key sees its tenant’s entries only.',
  security: 'operator',
  query: AuditListQuery,
  responses: {
    200: {
      description: 'A page of entries.',
      schema: z.object({ entries: z.array(AuditEntryView), nextCursor: z.string().nullable() }),
    },
    400: invalidInput,
    ...operatorAuth,
    404: err('A `tenantId` the key may not see (`not_found`).'),
  },
};

/** Opaque to callers: the id the page ended at. */
const cursor = pageCursor(z.object({ i: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }));

/**
 * GET /operator/audit. Reading is not audited (it changes nothing). Metrics keys may not read it
 * (requireOperator already refuses them; the role check says so again where the rule lives).
 */
export function auditRoutes(deps: { db: Database }): Router {
  const router = Router();
  route(
    router,
    getAuditRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      assertRole(operator, 'support');
      const q = parseInput(AuditListQuery, req.query, 'query');
      const tenantId = listedTenant(operator, q.tenantId) ?? undefined;
      const beforeId = q.cursor ? cursorOr400(cursor, q.cursor).i : undefined;
      const rows = await listAuditEntries(
        deps.db,
        {
          tenantId,
          actor: q.actor,
          action: q.action,
          journeyId: q.journeyId,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          beforeId,
        },
        q.limit + 1,
      );
      const page = rows.slice(0, q.limit);
      res.json({
        entries: page.map((e) => ({ ...e, at: e.at.toISOString() })),
        nextCursor: rows.length > q.limit ? cursor.encode({ i: page[page.length - 1]!.id }) : null,
      });
    }),
  );
  return router;
}
