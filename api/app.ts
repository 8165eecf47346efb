import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Database } from '../db/client.js';
import type { JourneyRepository } from '../db/repositories/journeys.js';
import type { Resolver } from '../greenhouse/callback/index.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';
import type { Logger } from '../observability/logger.js';
import type { CatalogueService } from '../catalogue/service.js';
import type { SecretBox } from '../security/secret-box.js';
import { AUTHORIZATION_CALLBACK_PATH, type ConnectionService } from '../tenants/connection-service.js';
import { codecRoutes } from './codec/routes.js';
import { healthRoutes } from './health/routes.js';
import { openApiRoutes } from './openapi/routes-http.js';
import { checkResponses } from './openapi/response-check.js';
import { route } from './openapi/route.js';
import { operatorAuth } from './openapi/common.js';
import type { PersonKey } from '../security/person-index.js';
import { errorHandler, notFound } from './http-errors.js';
import { rejectNulInJson, rejectNulInUrl } from './input-guards.js';
import { createApiMetrics, metricsHandler, type ApiMetrics } from '../observability/metrics.js';
import { requireOperator } from './operator/auth.js';
import { greenhouseCallbackRoutes } from './oauth/greenhouse-callback.js';
import { bulkInviteRoutes } from './operator/bulk-invites.js';
import { inviteRoutes } from './operator/invites.js';
import { operatorKeyRoutes } from './operator/keys.js';
import { peopleRoutes } from './operator/people.js';
import { journeyRoutes } from './operator/journeys.js';
import { probeRoutes } from './operator/probes.js';
import { reconciliationRoutes } from './operator/reconciliation.js';
import { responseErrorRoutes } from './operator/response-errors.js';
import { pagePath } from '../journeys/links.js';
import { gradeRoutes } from './pages/grade.js';
import { nominationRoutes } from './pages/nominate.js';
import { outboxRoutes } from './pages/outbox.js';
import { reportRoutes } from './pages/report.js';
import { referenceRoutes } from './pages/reference.js';
import { rejectCrossSiteForms, requireFormPosts } from './pages/csrf.js';
import { pageSecurityHeaders } from './pages/security-headers.js';
import { DEFAULT_RATE_LIMITS, rateLimit, type RateLimits } from './rate-limit.js';
import { createSharedLimiter } from './shared-rate-limiter.js';
import { takeTestRoutes } from './pages/take-test.js';
import { partnerRoutes } from './partner/routes.js';
import { greenhouseWebhookRoutes } from './webhooks/greenhouse.js';
import { tenantRoutes } from './operator/tenants.js';
import { testRoutes } from './operator/tests.js';
import { auditRoutes } from './operator/audit.js';
import { reportLinkRoutes } from './operator/report-links.js';
import { vendorPackageOperatorRoutes } from './operator/vendor-packages.js';
import { requireIntegration } from './vendor/auth.js';
import { vendorOrderRoutes } from './vendor/orders.js';
import { vendorPackageRoutes } from './vendor/packages.js';
import { vendorDeliveryOperatorRoutes } from './operator/vendor-deliveries.js';
import { signingKeyRoutes } from './operator/signing-keys.js';
import { vendorDeliveryRoutes } from './vendor/deliveries.js';
import { vendorEndpointRoutes } from './vendor/endpoints.js';
import type { VendorDeliveryRetry } from '../workflows/vendor-events/contract.js';

import { vendorResultRoutes } from './vendor/results.js';
import { vendorProgressRoutes } from './vendor/progress.js';
import { launchRoutes } from './pages/launch.js';
import { wellKnownRoutes } from './well-known.js';
import { createLaunchSigner, type LaunchSigner } from '../security/launch-assertions.js';

import { failedJourneyRoutes } from './operator/failed-journeys.js';

export interface AppDependencies {
  db: Database;
  /** Every read and write of the journeys read model (default: the database's). */
  journeys?: JourneyRepository;
  temporal: Client;
  log: Logger;
  taskQueue: string;
  connections: ConnectionService;
  catalogue: CatalogueService;
  /** Decrypts tenants' webhook secrets (the same box the connection service uses). */
  secrets: SecretBox;
  operatorApiKey: string | undefined;
  /** Temporal Web UI origins allowed to call /codec (TEMPORAL_UI_ORIGINS). */
  temporalUiOrigins?: readonly string[];
  /** The payload codec of the worker and clients (temporal/data-converter.ts), served at /codec. */
  codec: PayloadCodec;
  /** CODEC_LOOPBACK_WITHOUT_KEY: the local Temporal UI decodes without an operator key (npm start). */
  codecLoopbackWithoutKey?: boolean;
  bodyLimit?: string;
  /** Our public origin (PUBLIC_BASE_URL): form posts from it pass the CSRF check (pages/csrf.ts). */
  publicBaseUrl?: string;
  /**
   * Per-minute limits per client IP (PAGE_RATE_LIMIT_PER_MINUTE, TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE);
   * the config defaults when not given. Counted in PostgreSQL, shared by every API process
   * (shared-rate-limiter.ts).
   */
  rateLimits?: Partial<RateLimits>;
  /**
   * Express's `trust proxy` (TRUST_PROXY, config/config.ts): which peers' X-Forwarded-For decides
   * the client address that rate limits count. Default `loopback`.
   */
  trustProxy?: number | readonly string[];
  /** GREENHOUSE_SANDBOX_CALLBACK_HOSTS: a send_test `url` on these may be plain http on loopback. */
  callbackSandboxHosts?: readonly string[];
  /** DNS for send_test's `url` check (default: the system's; tests emulate hostile DNS). */
  callbackResolve?: Resolver;
  /** How long a partner key that authenticated is trusted without the database (partner/routes.ts). */
  partnerKeyCacheTtlMs?: number;
  /** Harvest clients for tenants (webhooks: telling a deletion from a merge). */
  harvestClientFor?: HarvestClientFactory;
  /** Request metrics; a fresh registry per app when not given. */
  metrics?: ApiMetrics;
  /**
   * Answer 500 when a JSON response does not match its route's declared schema (on in tests:
   * test/helpers/app.ts; openapi/response-check.ts).
   */
  checkResponses?: boolean;
  /** PERSON_INDEX_KEY (security/person-index.ts): vendor-invite ids, the person index, erasure by address. */
  personKey?: PersonKey;
  /** VENDOR_ENDPOINT_ALLOW_HOSTS: vendor endpoints allowed over http and on private addresses. */
  vendorEndpointAllowHosts?: readonly string[];
  /** VENDOR_EVENT_RETRY_*: how redeliveries retry (production's 24 h+ window by default). */
  vendorEventRetry?: Partial<VendorDeliveryRetry>;

  /** Signs vendor launch assertions (default: keys in signing_keys, issuer publicBaseUrl). */
  launchSigner?: LaunchSigner;
  /** VENDOR_REPORT_MAX_BYTES: the largest result report accepted. */
  vendorReportMaxBytes?: number;
  /** Test-only: hosts a result's report_url may name over http and on loopback. */
  vendorReportUrlSandboxHosts?: readonly string[];
}

/** The HTTP API, grouped by audience. Built from injected dependencies so tests run it as is. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  const metrics = deps.metrics ?? createApiMetrics();
  app.use(metrics.middleware);
  app.use(rejectNulInUrl);
  if (deps.checkResponses) app.use(checkResponses(deps.log));
  const limits = { ...DEFAULT_RATE_LIMITS, ...deps.rateLimits };
  const pageLimiter = createSharedLimiter({
    db: deps.db,
    limit: limits.pagesPerMinute,
    windowMs: limits.windowMs,
  });
  const tokenLimiter = createSharedLimiter({
    db: deps.db,
    limit: limits.tokenEndpointsPerMinute,
    windowMs: limits.windowMs,
  });
  // The partner API next: Greenhouse polls test_status for every open interview, the API's hottest
  // route, so it meets no middleware it does not need. Its routes parse their own bodies (any
  // Content-Type, with the app's limit), so nothing below changes for them. Failed partner
  // authentications count against the presented key (routes.ts: authFailureKey).
  app.use(partnerRoutes({ ...deps, authFailureLimiter: tokenLimiter }));
  // Webhooks first of the rest: their signature covers the raw bytes, which the JSON parser would consume.
  app.use(greenhouseWebhookRoutes(deps));
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: true, reviver: rejectNulInJson }));

  app.use(healthRoutes(deps));
  app.use(openApiRoutes()); // GET /openapi.json and /docs (api/openapi/)
  // Prometheus scrapes with a read-only `metrics` operator key (or any operator key) as its bearer token.
  route(
    app,
    {
      method: 'get',
      path: '/metrics',
      tag: 'health',
      summary: 'Prometheus metrics',
      description: 'Scraped with a `metrics` (read-only) or any operator key as bearer token.',
      security: 'operator',
      responses: {
        200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' },
        ...operatorAuth,
      },
    },
    requireOperator({ db: deps.db, operatorKey: deps.operatorApiKey, allowMetricsKey: true }),
    metricsHandler(metrics.registry),
  );
  app.use(AUTHORIZATION_CALLBACK_PATH, rateLimit({ limiter: tokenLimiter, group: 'oauth', style: 'html' }));
  app.use(greenhouseCallbackRoutes(deps));
  // People's pages: one request budget per client IP for all of them; forms only from our origin.
  const pageGuards = [
    rateLimit({ limiter: pageLimiter, group: 'pages', style: 'html' }),
    rejectCrossSiteForms({ publicBaseUrl: deps.publicBaseUrl }),
    requireFormPosts(),
  ];
  for (const prefix of [...Object.values(pagePath), '/outbox']) app.use(prefix, ...pageGuards);
  // People's pages (candidate, grader, recruiter's report, local outbox).
  app.use(`${pagePath.take_test}/`, pageSecurityHeaders());
  app.use(takeTestRoutes(deps));
  app.use(gradeRoutes(deps));
  app.use(reportRoutes(deps));
  app.use(outboxRoutes(deps));
  // Reference checks: the candidate names referees, each referee answers or declines.
  app.use(`${pagePath.nominate}/`, pageSecurityHeaders());
  app.use(nominationRoutes(deps));
  app.use(`${pagePath.reference}/`, pageSecurityHeaders());
  app.use(referenceRoutes(deps));

  // Launch assertions' keys: the operator rotates them, the launch page signs, the JWKS publishes.
  const launchSigner =
    deps.launchSigner ??
    createLaunchSigner({ db: deps.db, secrets: deps.secrets, issuer: deps.publicBaseUrl ?? 'greenroom' });
  const operator = express.Router();
  operator.use(requireOperator({ db: deps.db, operatorKey: deps.operatorApiKey }));
  operator.use(probeRoutes(deps));
  operator.use(journeyRoutes(deps));
  operator.use(tenantRoutes(deps));
  operator.use(testRoutes(deps));
  operator.use(inviteRoutes(deps));
  operator.use(bulkInviteRoutes(deps));
  operator.use(responseErrorRoutes(deps));
  operator.use(reconciliationRoutes(deps));
  operator.use(operatorKeyRoutes(deps));
  operator.use(reportLinkRoutes(deps));
  operator.use(auditRoutes(deps));

  operator.use(peopleRoutes(deps));
  operator.use(vendorPackageOperatorRoutes(deps));
  operator.use(vendorDeliveryOperatorRoutes(deps));
  operator.use(signingKeyRoutes({ db: deps.db, launchSigner }));

  operator.use(failedJourneyRoutes(deps));
  app.use('/operator', operator);
  // The vendor's product: integration keys only (operator keys get 401 here, and vice versa).
  const vendor = express.Router();
  vendor.use(requireIntegration(deps));
  vendor.use(vendorPackageRoutes(deps));
  vendor.use(vendorOrderRoutes(deps));
  vendor.use(vendorEndpointRoutes(deps));
  vendor.use(vendorDeliveryRoutes(deps));
  vendor.use(vendorResultRoutes(deps));
  vendor.use(vendorProgressRoutes(deps));
  app.use('/vendor/v1', vendor);
  // The Temporal Web UI's codec server (CORS, operator key).
  app.use('/codec', codecRoutes({ ...deps, loopbackWithoutKey: deps.codecLoopbackWithoutKey ?? false }));
  // The vendor's product: the candidate's launch link; the assertion keys.
  app.use(`${pagePath.launch}/`, pageSecurityHeaders());
  app.use(launchRoutes({ db: deps.db, launchSigner }));
  app.use(wellKnownRoutes({ launchSigner }));

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
