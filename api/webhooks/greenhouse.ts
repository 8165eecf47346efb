import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { CatalogueService } from '../../catalogue/service.js';
import { Prisma, type Database } from '../../db/client.js';
import { safeParseWebhookBody, verifyWebhookSignature } from '../../greenhouse/webhooks/index.js';
import { routeGreenhouseEvent } from '../../journeys/greenhouse-events.js';
import type { StartDeps } from '../../journeys/start-journey.js';
import type { Logger } from '../../observability/logger.js';
import type { SecretBox } from '../../security/secret-box.js';
import { secretPurpose } from '../../tenants/credentials.js';
import type { HarvestClientFactory } from '../../tenants/harvest-gateway.js';
import { handle, HttpError } from '../http-errors.js';
import { z } from 'zod';
import {
  CandidateAnonymizedSchema,
  CandidateStageChangeSchema,
  DeleteCandidateSchema,
  HireCandidateSchema,
  MergeCandidateSchema,
  PingSchema,
  RejectCandidateSchema,
} from '../../greenhouse/webhooks/events.js';
import { err, TenantParams } from '../openapi/common.js';
import { note, type RouteSpec } from '../openapi/registry.js';
import { WebhookAcceptedResponse } from '../openapi/responses.js';
import { route } from '../openapi/route.js';
import { webhookTriggerMode } from '../../tenants/tenants-repository.js';
import { webhookEventsRepository } from '../../greenhouse/webhooks/webhook-events-repository.js';

export interface WebhookRouteDeps {
  db: Database;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  /** Decrypts each tenant's webhook secret (`tenant_modes.webhook_secret_ciphertext`). */
  secrets: SecretBox;
  log?: Logger;
  applicationMatch?: StartDeps['applicationMatch'];
  /** Harvest clients: a delete_candidate without deleted applications is checked there first. */
  harvestClientFor?: HarvestClientFactory;
  /** How long a claimed event may stay `processing` before a redelivery may take it over. */
  claimLeaseMs?: number;
}

export const WEBHOOK_PATH = '/webhooks/greenhouse/:tenantId';

const PROCESSING = 'processing since ';
const RETRYABLE = 'failed (will retry): ';

const webhookRoute: RouteSpec = {
  method: 'post',
  path: WEBHOOK_PATH,
  tag: 'webhooks',
  summary: 'Greenhouse webhook (one URL per tenant)',
  description:
    'Signed with the tenant’s webhook secret (`Signature: sha256 <hex HMAC of the raw body>`). ' +
    'Each Greenhouse-Event-ID is processed once; redeliveries answer 200 with `duplicate`. ' +
    'Unsupported actions and unreadable payloads are recorded and answered 200 (a 4xx would only make Greenhouse retry).',
  security: 'webhook',
  params: TenantParams,
  headers: z.object({
    'Greenhouse-Event-ID': note(
      z.string().optional(),
      'Deduplicates redeliveries (the body’s hash without it).',
    ),
  }),
  body: {
    schema: z.union([
      CandidateStageChangeSchema,
      HireCandidateSchema,
      RejectCandidateSchema,
      DeleteCandidateSchema,
      CandidateAnonymizedSchema,
      MergeCandidateSchema,
      PingSchema,
      note(z.looseObject({ action: z.string() }), 'Any other action: recorded and ignored.'),
    ]),
    description: 'Only the fields journeys act on are shown; the rest of Greenhouse’s payload is ignored.',
  },
  responses: {
    200: { description: 'Processed, ignored or a duplicate.', schema: WebhookAcceptedResponse },
    401: err('Bad or missing signature, unknown tenant or webhooks not enabled (`invalid_signature`).'),
    409: err('The same event is being processed right now (`in_progress`): retry later.'),
    413: err('The body is larger than 1 MB.'),
    503: err('Processing failed (`temporarily_unavailable`): Greenhouse redelivers.'),
  },
};

/**
 * Greenhouse's signed webhooks, one URL per tenant (greenhouse.md §4). Mount this router BEFORE any
 * JSON body parser: the signature covers the raw bytes, so this route reads them with express.raw.
 *
 * Order of work: signature first (bad or missing → 401, nothing read, nothing stored), then the
 * event is claimed in `webhook_events` (tenant, Greenhouse-Event-ID), then routed, then its outcome
 * recorded. Deduplication vs redelivery:
 * - the claim is an INSERT with outcome `processing since <time>`; a redelivery whose row holds a
 *   final outcome answers 200 and does nothing;
 * - if routing throws (Temporal or the database down) the row is marked `failed (will retry): …` and
 *   we answer 503, so Greenhouse redelivers; that redelivery re-claims the row (compare-and-set on
 *   the outcome it read) and processes the event again;
 * - a row stuck in `processing` (the process died mid-way) is re-claimed once its lease expired; a
 *   concurrent duplicate inside the lease gets 409 and Greenhouse retries it later.
 * Starting and stopping journeys is idempotent on its own (business ids), so even a double
 * processing after a crash between the effect and the outcome write starts nothing twice.
 */
export function greenhouseWebhookRoutes(deps: WebhookRouteDeps): Router {
  const router = Router();
  const leaseMs = deps.claimLeaseMs ?? 120_000;

  route(
    router,
    webhookRoute,
    express.raw({ type: () => true, limit: '1mb' }),
    handle(async (req, res) => {
      const tenantId = String(req.params.tenantId);
      // No body at all leaves req.body unset (body-parser 2): verify it as zero bytes.
      const rawBody: unknown = req.body === undefined ? Buffer.alloc(0) : req.body;
      if (!Buffer.isBuffer(rawBody)) {
        // A JSON parser ran first: the signed bytes are gone (a mounting mistake, not Greenhouse's).
        throw new Error('the Greenhouse webhook route must be mounted before express.json()');
      }

      const secret = await webhookSecretOf(deps, tenantId);
      const verdict = secret
        ? verifyWebhookSignature(rawBody, req.get('signature'), secret)
        : ({ ok: false, message: 'webhooks are not enabled for this tenant' } as const);
      if (!verdict.ok) {
        // Greenhouse pings a webhook when it is set up and creates it disabled if the ping fails
        // (greenhouse.md §0): often before the operator activated webhook_trigger here. A ping
        // changes nothing, so it gets 200 and a log line, verified or not (all tenants alike).
        const ping = safeParseWebhookBody(rawBody);
        if (ping.ok && ping.event.action === 'ping') {
          deps.log?.info(
            { tenantId, webHookId: ping.event.webHookId, verified: false, reason: verdict.message },
            'Greenhouse webhook ping',
          );
          res.status(200).json({ received: true, ping: true });
          return;
        }
        // One answer for unknown tenants, inactive modes and bad signatures: no tenant enumeration.
        deps.log?.warn({ tenantId, reason: verdict.message }, 'Greenhouse webhook refused');
        throw new HttpError(401, 'invalid_signature', 'the webhook signature could not be verified');
      }

      const parsed = safeParseWebhookBody(rawBody);
      if (parsed.ok && parsed.event.action === 'ping') {
        deps.log?.info(
          { tenantId, webHookId: parsed.event.webHookId, verified: true },
          'Greenhouse webhook ping',
        );
      }
      const action = parsed.ok
        ? parsed.event.action === 'unsupported'
          ? parsed.event.name
          : parsed.event.action
        : (parsed.action ?? 'unknown');
      // Greenhouse always sends the header; without it the body's hash is the best stable key.
      const eventId =
        req.get('greenhouse-event-id')?.trim().slice(0, 200) ||
        `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;

      const claim = await claimEvent(deps.db, tenantId, eventId, action.slice(0, 100), leaseMs);
      if (claim.kind === 'duplicate') {
        res.status(200).json({ received: true, duplicate: true, outcome: claim.outcome });
        return;
      }
      if (claim.kind === 'in_flight') {
        throw new HttpError(409, 'in_progress', 'this event is being processed; retry later');
      }

      let outcome: string;
      try {
        outcome = parsed.ok
          ? await routeGreenhouseEvent(deps, tenantId, parsed.event)
          : // A verified but unreadable payload will not get better on redelivery: record it, 200.
            `ignored: ${parsed.message}`;
      } catch (err) {
        deps.log?.error(
          { err, tenantId, eventId, action },
          'Greenhouse webhook failed; Greenhouse will retry',
        );
        const message = err instanceof Error ? err.message : String(err);
        await setOutcome(deps.db, tenantId, eventId, `${RETRYABLE}${message}`.slice(0, 2000)).catch(
          () => undefined, // the lease lets the redelivery take the row over anyway
        );
        throw new HttpError(503, 'temporarily_unavailable', 'the webhook could not be processed; retry');
      }
      await setOutcome(deps.db, tenantId, eventId, outcome.slice(0, 2000));
      res.status(200).json({ received: true, outcome });
    }),
  );
  return router;
}

/** The tenant's webhook secret when `webhook_trigger` is active, else null. */
async function webhookSecretOf(deps: WebhookRouteDeps, tenantId: string): Promise<string | null> {
  if (tenantId.length > 100) return null;
  const mode = await webhookTriggerMode(deps.db, tenantId);
  if (!mode?.active || !mode.webhookSecretCiphertext) return null;
  try {
    return deps.secrets.decrypt(mode.webhookSecretCiphertext, secretPurpose.webhookSecret(tenantId));
  } catch (err) {
    deps.log?.error({ err, tenantId }, 'the webhook secret of this tenant cannot be decrypted');
    return null;
  }
}

type Claim = { kind: 'claimed' } | { kind: 'duplicate'; outcome: string } | { kind: 'in_flight' };

/** Insert-first claim of one event, taking over failed or abandoned claims (see the router doc). */
async function claimEvent(
  db: Database,
  tenantId: string,
  eventId: string,
  action: string,
  leaseMs: number,
): Promise<Claim> {
  const processing = () => `${PROCESSING}${new Date().toISOString()}`;
  try {
    await webhookEventsRepository(db).insert({ tenantId, eventId, action, outcome: processing() });
    return { kind: 'claimed' };
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
  }
  const row = await webhookEventsRepository(db).find(tenantId, eventId);
  if (!row) return claimEvent(db, tenantId, eventId, action, leaseMs); // deleted in between
  const failed = row.outcome.startsWith(RETRYABLE);
  const abandoned =
    row.outcome.startsWith(PROCESSING) &&
    Date.now() - Date.parse(row.outcome.slice(PROCESSING.length)) > leaseMs;
  if (!failed && !abandoned) {
    return row.outcome.startsWith(PROCESSING)
      ? { kind: 'in_flight' }
      : { kind: 'duplicate', outcome: row.outcome };
  }
  // Compare-and-set: of two redeliveries racing for a failed event, one wins.
  const count = await webhookEventsRepository(db).swapOutcome(tenantId, eventId, row.outcome, processing());
  return count === 1 ? { kind: 'claimed' } : { kind: 'in_flight' };
}

async function setOutcome(db: Database, tenantId: string, eventId: string, outcome: string) {
  await webhookEventsRepository(db).setOutcome(tenantId, eventId, outcome);
}
