import express, { Router, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import type { Prisma } from '../../db/client.js';
import {
  parseGreenhouseProfileUrl,
  parsePartnerBasicAuth,
  RESPONSE_ERROR_ACK,
  ListTestsResponseSchema,
  ResponseErrorRequestSchema,
  ResponseErrorResponseSchema,
  SendTestRequestSchema,
  SendTestResponseSchema,
  TestStatusResponseSchema,
  testStatusBody,
  type PartnerStatus,
} from '../../greenhouse/partner/index.js';
import { kindModuleOf } from '../../journeys/kinds/index.js';
import { startJourney } from '../../journeys/start-journey.js';
import { checkCallbackUrl, CompletionCallbackError, type Resolver } from '../../greenhouse/callback/index.js';
import { hashToken } from '../../security/tokens.js';
import { tenantCallbackHosts } from '../../tenants/callback-hosts.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { rejectNulInJson } from '../input-guards.js';
import { clientIp, tooManyRequests, type FixedWindowLimiter } from '../rate-limit.js';
import { err, invalidInput, partnerAuth } from '../openapi/common.js';
import { component, type RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { tenantCallbackSettings } from '../../tenants/tenants-repository.js';
import { recordPartnerResponseError } from '../../tenants/partner-response-errors-repository.js';
import { openReportLink } from '../../journeys/links.js';
import type { SecretBox } from '../../security/secret-box.js';
import { createPartnerKeyCache, PARTNER_KEY_CACHE_TTL_MS } from './key-cache.js';

export interface PartnerRouteDeps {
  db: Database;
  /** Opens the report link the read model keeps encrypted (journeys/links.ts). */
  secrets: SecretBox;
  journeys?: JourneyRepository;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  /**
   * Counts failed authentications per presented key (and its tenant, when the key is a retired one
   * of a tenant): once over its budget, that key gets 429 without being looked at until the window
   * ends. Never per IP: every tenant's Greenhouse calls come from the same addresses, so one
   * tenant's bad key must not lock out another's valid one. None: no limit.
   */
  authFailureLimiter?: FixedWindowLimiter;
  /** GREENHOUSE_SANDBOX_CALLBACK_HOSTS: a send_test `url` on these may be plain http on loopback. */
  callbackSandboxHosts?: readonly string[];
  /** DNS for the `url` check (default: the system's; tests emulate hostile DNS). */
  callbackResolve?: Resolver;
  /** API_BODY_LIMIT, for the partner bodies parsed whatever their Content-Type. */
  bodyLimit?: string;
  /**
   * How long a partner key that authenticated is trusted without asking the database again
   * (default PARTNER_KEY_CACHE_TTL_MS, key-cache.ts; 0: every request asks). Only successes are kept.
   */
  partnerKeyCacheTtlMs?: number;
}

/**
 * The failed-authentication budget a request counts against: its presented key (hashed; with the
 * tenant when the key is a retired one of a tenant), or its client IP when it presents no
 * readable key. A valid key has a budget of its own that failures of other keys never touch.
 */
export function authFailureKey(presentedKey: string | null, tenantId: string | null, ip: string): string {
  if (presentedKey === null) return `partner-auth:no-key:${ip}`;
  return `partner-auth:${tenantId ?? 'unknown'}:${hashToken(presentedKey).slice(0, 32)}`;
}

type Authed = { tenantId: string };

/** test_status's query: the id send_test answered. */
export const TestStatusQuery = z.object({ partner_interview_id: z.string().min(1).max(300) });

// Named components for the bodies people read most.
component(SendTestRequestSchema, 'SendTestRequest', 'What Greenhouse sends when a recruiter sends a test.');
component(TestStatusResponseSchema, 'TestStatus', 'Our answer to test_status, in Greenhouse’s vocabulary.');

const getPartnerListTestsRoute: RouteSpec = {
  method: 'get',
  path: '/partner/list_tests',
  tag: 'partner',
  summary: 'List the tenant’s active tests',
  description: 'Greenhouse shows these to recruiters when they configure a job stage.',
  security: 'partner',
  responses: { 200: { description: 'The active tests.', schema: ListTestsResponseSchema }, ...partnerAuth },
};
const postPartnerSendTestRoute: RouteSpec = {
  method: 'post',
  path: '/partner/send_test',
  tag: 'partner',
  summary: 'Send a test to a candidate',
  description: 'Starts a journey (idempotent per application and test) and answers its id.',
  security: 'partner',
  body: { schema: SendTestRequestSchema },
  responses: {
    200: {
      description: 'The journey’s id, Greenhouse’s `partner_interview_id`.',
      schema: SendTestResponseSchema,
    },
    400: invalidInput,
    ...partnerAuth,
    404: err('No such test in the tenant’s catalogue.'),
    422: err('The test is not active (`invalid`, field partner_test_id).'),
  },
};
const getPartnerTestStatusRoute: RouteSpec = {
  method: 'get',
  path: '/partner/test_status',
  tag: 'partner',
  summary: 'Status of a sent test',
  security: 'partner',
  query: TestStatusQuery,
  responses: {
    200: {
      description: 'The status, score and report link once complete.',
      schema: TestStatusResponseSchema,
    },
    400: invalidInput,
    ...partnerAuth,
    404: err('No such interview for this tenant.'),
  },
};
const postPartnerResponseErrorRoute: RouteSpec = {
  method: 'post',
  path: '/partner/response_error',
  tag: 'partner',
  summary: 'Greenhouse could not accept one of our answers',
  description: 'Recorded for operators (GET /operator/tenants/{tenantId}/response-errors).',
  security: 'partner',
  body: { schema: ResponseErrorRequestSchema },
  responses: {
    200: { description: 'Recorded.', schema: ResponseErrorResponseSchema },
    400: invalidInput,
    ...partnerAuth,
  },
};

/**
 * The Assessment Partner API that Greenhouse calls (greenhouse.md §2), under /partner. HTTP Basic
 * with the tenant's partner key as username and an empty password, parsed here because common
 * middlewares refuse empty passwords. Every answer is shaped the way Greenhouse validates it.
 */
export function partnerRoutes(deps: PartnerRouteDeps): Router {
  const router = Router();
  const keys = createPartnerKeyCache(deps.db, deps.partnerKeyCacheTtlMs ?? PARTNER_KEY_CACHE_TTL_MS);

  const authenticate: RequestHandler = handle(async (req, res, next) => {
    const auth = parsePartnerBasicAuth(req.get('authorization'));
    const presented = auth.ok ? auth.apiKey : null;
    // The hot path: a key that authenticated within the TTL costs no database work. Its failure
    // budget need not be read either: a key is only cached after the budget let it through.
    const trusted = presented !== null ? keys.fresh(presented) : undefined;
    if (trusted) {
      (res.locals as Authed).tenantId = trusted;
      return next();
    }
    // Checked before the key is looked up, so a flood of one bad key costs no database work. The
    // tenant part is known only after the lookup: a retired key is counted under its tenant.
    const blockedUnder = async (tenantId: string | null) => {
      const budget = await deps.authFailureLimiter?.blocked(
        authFailureKey(presented, tenantId, clientIp(req)),
      );
      return budget && !budget.allowed ? budget : null;
    };
    const early = await blockedUnder(null);
    if (early) return tooManyRequests(req, res, 'json', early.retryAfterSeconds);
    const match = presented !== null ? await keys.lookup(presented) : null;
    const tenantId = match?.ok ? match.tenantId : null;
    if (!tenantId) {
      const owner = match && !match.ok ? match.tenantId : null;
      if (owner) {
        const late = await blockedUnder(owner);
        if (late) return tooManyRequests(req, res, 'json', late.retryAfterSeconds);
      }
      await deps.authFailureLimiter?.hit(authFailureKey(presented, owner, clientIp(req)));
      res.setHeader('WWW-Authenticate', 'Basic realm="greenroom partner API"');
      return void next(
        new HttpError(401, 'unauthorized', auth.ok ? 'unknown or inactive partner API key' : auth.message),
      );
    }
    (res.locals as Authed).tenantId = tenantId;
    next();
  });
  router.use('/partner', authenticate);
  // Greenhouse's examples carry no Content-Type (greenhouse.md §0): the JSON body is parsed anyway.
  // The app's parser already took bodies that declared JSON; this one takes the rest.
  const jsonWhateverType = express.json({
    type: () => true,
    limit: deps.bodyLimit ?? '1mb',
    strict: true,
    reviver: rejectNulInJson,
  });

  // First: the route Greenhouse calls most (it polls every open interview).
  route(
    router,
    getPartnerTestStatusRoute,
    handle(async (req, res) => {
      const tenantId = (res.locals as Authed).tenantId;
      const { partner_interview_id: id } = parseInput(TestStatusQuery, req.query, 'partner_interview_id');
      const journey = await journeysOf(deps).statusInTenant(id, tenantId);
      if (!journey) throw new HttpError(404, 'not_found', `no interview ${id}`);
      // A kind may tell the recruiter more (a reference check: how many referees answered).
      const kindMetadata =
        (await kindModuleOf(journey.kind)?.testStatusMetadata(deps.db, { id, ...journey })) ?? null;
      // Built from the read model's typed values without zod (testStatusBody); the app's response
      // check (tests) still validates the answer against its declared schema.
      res.json(
        testStatusBody({
          status: partnerStatusOf(journey.status),
          profileUrl: openReportLink(deps.secrets, id, journey.profileUrl),
          score: journey.status === 'complete' ? journey.score : null,
          ...(journey.status === 'failed' && journey.statusDetail
            ? { metadata: { Reason: journey.statusDetail } }
            : {}),
          ...(kindMetadata ? { metadata: kindMetadata } : {}),
        }),
      );
    }),
  );

  route(
    router,
    getPartnerListTestsRoute,
    handle(async (_req, res) => {
      res.json(await deps.catalogue.listPartnerTests((res.locals as Authed).tenantId));
    }),
  );

  route(
    router,
    postPartnerSendTestRoute,
    jsonWhateverType,
    handle(async (req, res) => {
      const tenantId = (res.locals as Authed).tenantId;
      const body = parseInput(SendTestRequestSchema, req.body ?? {});
      const profile = parseGreenhouseProfileUrl(body.candidate.greenhouse_profile_url);
      if (!profile.ok)
        throw new HttpError(400, 'invalid_input', profile.message, 'candidate.greenhouse_profile_url');
      await assertCallbackUrl(deps, tenantId, body.url);
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

  route(
    router,
    postPartnerResponseErrorRoute,
    jsonWhateverType,
    handle(async (req, res) => {
      const tenantId = (res.locals as Authed).tenantId;
      const body = parseInput(ResponseErrorRequestSchema, req.body ?? {});
      await recordPartnerResponseError(deps.db, {
        tenantId,
        apiCall: body.api_call,
        errors: body.errors as Prisma.InputJsonValue,
        partnerTestId: body.partner_test_id ?? null,
        partnerInterviewId: body.partner_interview_id ?? null,
      });
      res.status(200).json(RESPONSE_ERROR_ACK);
    }),
  );

  return router;
}

/**
 * The completion URL may only lead to the tenant's Greenhouse (url-policy.ts): refused with a 400
 * naming the problem before anything starts. A DNS failure that may heal answers 503.
 */
async function assertCallbackUrl(deps: PartnerRouteDeps, tenantId: string, url: string) {
  const tenant = await tenantCallbackSettings(deps.db, tenantId);
  try {
    await checkCallbackUrl(url, {
      allowedHosts: tenantCallbackHosts(tenant),
      sandboxHosts: deps.callbackSandboxHosts ?? [],
      ...(deps.callbackResolve ? { resolve: deps.callbackResolve } : {}),
    });
  } catch (err) {
    if (!(err instanceof CompletionCallbackError)) throw err;
    if (err.kind === 'invalid_url') throw new HttpError(400, 'invalid_input', err.message, 'url');
    throw new HttpError(503, 'unavailable', err.message);
  }
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
