import type { Response } from 'express';
import type { Database, Prisma } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { insertAuditEntry } from '../../operators/audit-repository.js';
import { HttpError } from '../http-errors.js';
import { operatorOf } from './identity.js';

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
