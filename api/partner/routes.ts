import { Router, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import type { Prisma } from '../../db/client.js';
import {
  buildTestStatus,
  parseGreenhouseProfileUrl,
  parsePartnerBasicAuth,
  RESPONSE_ERROR_ACK,
  ResponseErrorRequestSchema,
  SendTestRequestSchema,
  type PartnerStatus,
} from '../../greenhouse/partner/index.js';
import { startJourney } from '../../journeys/start-journey.js';
import { hashToken } from '../../security/tokens.js';
import { tenantForPartnerKey } from '../../tenants/connection-service.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { clientIp, tooManyRequests, type FixedWindowLimiter } from '../rate-limit.js';

export interface PartnerRouteDeps {
  db: Database;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  /**
   * Counts failed authentications per client IP (brute force of partner keys): once over its
   * budget, an IP gets 429 without its key being looked at until the window ends. None: no limit.
   */
  authFailureLimiter?: FixedWindowLimiter;
  /**
   * How long a partner key that authenticated is trusted without asking the database again
   * (default PARTNER_KEY_CACHE_TTL_MS; 0: every request asks). Only successes are kept.
   */
  partnerKeyCacheTtlMs?: number;
}

/**
 * Greenhouse polls test_status for every open interview with the same key: looking the key up in
 * the database on every call doubled the endpoint's database round trips (bench/test-status-load.ts).
 * A key that authenticated is trusted for this long in this process, so a rotated key or a
 * deactivated mode stops working within this delay rather than at once. Unknown keys are never
 * cached: they always reach the database and count against the client's failure budget.
 */
export const PARTNER_KEY_CACHE_TTL_MS = 5_000;
/** Tenants are few; the bound only keeps a flood of valid keys from growing the map without end. */
const PARTNER_KEY_CACHE_MAX_ENTRIES = 1_000;

/** tenantForPartnerKey with a short-lived cache of successes, keyed by the key's SHA-256. */
export function cachedPartnerKeyLookup(db: Database, ttlMs: number, now: () => number = Date.now) {
  const entries = new Map<string, { tenantId: string; expiresAt: number }>();
  return async (apiKey: string): Promise<string | null> => {
    if (ttlMs <= 0) return tenantForPartnerKey(db, apiKey);
    const hash = hashToken(apiKey);
    const hit = entries.get(hash);
    if (hit && hit.expiresAt > now()) return hit.tenantId;
    entries.delete(hash);
    const tenantId = await tenantForPartnerKey(db, apiKey);
    if (tenantId) {
      if (entries.size >= PARTNER_KEY_CACHE_MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(hash, { tenantId, expiresAt: now() + ttlMs });
    }
    return tenantId;
  };
}

type Authed = { tenantId: string };

/** test_status's query: the id send_test answered. */
export const TestStatusQuery = z.object({ partner_interview_id: z.string().min(1).max(300) });

/**
 * The Assessment Partner API that Greenhouse calls (greenhouse.md §2), under /partner. HTTP Basic
 * with the tenant's partner key as username and an empty password, parsed here because common
 * middlewares refuse empty passwords. Every answer is shaped the way Greenhouse validates it.
 */
export function partnerRoutes(deps: PartnerRouteDeps): Router {
  const router = Router();
  const tenantForKey = cachedPartnerKeyLookup(deps.db, deps.partnerKeyCacheTtlMs ?? PARTNER_KEY_CACHE_TTL_MS);

  const authenticate: RequestHandler = handle(async (req, res, next) => {
    const failureKey = `partner-auth:${clientIp(req)}`;
    const budget = await deps.authFailureLimiter?.blocked(failureKey);
    if (budget && !budget.allowed) return tooManyRequests(req, res, 'json', budget.retryAfterSeconds);
    const auth = parsePartnerBasicAuth(req.get('authorization'));
    const tenantId = auth.ok ? await tenantForKey(auth.apiKey) : null;
    if (!tenantId) {
      await deps.authFailureLimiter?.hit(failureKey);
      res.setHeader('WWW-Authenticate', 'Basic realm="greenroom partner API"');
      return void next(
        new HttpError(401, 'unauthorized', auth.ok ? 'unknown or inactive partner API key' : auth.message),
      );
    }
    (res.locals as Authed).tenantId = tenantId;
    next();
  });
  router.use('/partner', authenticate);

  router.get(
    '/partner/list_tests',
    handle(async (_req, res) => {
      res.json(await deps.catalogue.listPartnerTests((res.locals as Authed).tenantId));
    }),
  );

  router.post(
    '/partner/send_test',
    handle(async (req, res) => {
      const tenantId = (res.locals as Authed).tenantId;
      const body = parseInput(SendTestRequestSchema, req.body ?? {});
      const profile = parseGreenhouseProfileUrl(body.candidate.greenhouse_profile_url);
      if (!profile.ok)
        throw new HttpError(400, 'invalid_input', profile.message, 'candidate.greenhouse_profile_url');
      const { journeyId } = await startJourney(deps, {
        tenantId,
        testId: body.partner_test_id,
        trigger: 'greenhouse',
        candidate: {
          firstName: body.candidate.first_name,
          lastName: body.candidate.last_name,
          preferredName: body.candidate.preferred_name ?? null,
          email: body.candidate.email,
          phone: body.candidate.phone_number ?? null,
        },
        greenhouse: {
          applicationId: profile.profile.applicationId,
          candidateId: profile.profile.candidateId,
          jobId: null,
          callbackUrl: body.url,
          sentBy: body.sent_by ?? null,
        },
      });
      res.json({ partner_interview_id: journeyId });
    }),
  );

  router.get(
    '/partner/test_status',
    handle(async (req, res) => {
      const tenantId = (res.locals as Authed).tenantId;
      const { partner_interview_id: id } = parseInput(TestStatusQuery, req.query, 'partner_interview_id');
      const journey = await deps.db.journey.findFirst({
        where: { id, tenantId },
        select: { kind: true, status: true, statusDetail: true, score: true, profileUrl: true },
      });
      if (!journey) throw new HttpError(404, 'not_found', `no interview ${id}`);
      // A reference check tells the recruiter how many referees answered and whether it is partial.
      const references =
        journey.kind === 'reference_check' && journey.status === 'complete'
          ? await deps.db.referenceCheckResult.findUnique({ where: { journeyId: id } })
          : null;
      res.json(
        buildTestStatus({
          status: partnerStatusOf(journey.status),
          profileUrl: journey.profileUrl,
          score: journey.status === 'complete' ? journey.score : null,
          ...(journey.status === 'failed' && journey.statusDetail
            ? { metadata: { Reason: journey.statusDetail } }
            : {}),
          ...(references
            ? {
                metadata: {
                  'Referees answered': `${references.answered} of ${references.quorum} required`,
                  Completion: references.partial ? 'partial' : 'complete',
                },
              }
            : {}),
        }),
      );
    }),
  );

  router.post(
    '/partner/response_error',
    handle(async (req, res) => {
      const tenantId = (res.locals as Authed).tenantId;
      const body = parseInput(ResponseErrorRequestSchema, req.body ?? {});
      await deps.db.partnerResponseError.create({
        data: {
          tenantId,
          apiCall: body.api_call,
          errors: body.errors as Prisma.InputJsonValue,
          partnerTestId: body.partner_test_id ?? null,
          partnerInterviewId: body.partner_interview_id ?? null,
        },
      });
      res.status(200).json(RESPONSE_ERROR_ACK);
    }),
  );

  return router;
}

/** Our journey states in Greenhouse's vocabulary (`complete` spelled exactly so). */
function partnerStatusOf(status: string): PartnerStatus {
  switch (status) {
    case 'in_progress':
    case 'awaiting_grading':
    case 'complete':
    case 'expired':
    case 'cancelled':
      return status;
    case 'failed':
      return 'cancelled';
    default:
      return 'sent';
  }
}
