import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import type { Logger } from '../observability/logger.js';
import type { CatalogueService } from '../catalogue/service.js';
import type { SecretBox } from '../security/secret-box.js';
import type { ConnectionService } from '../tenants/connection-service.js';
import { healthRoutes } from './health/routes.js';
import { errorHandler, notFound } from './http-errors.js';
import { requireOperator } from './operator/auth.js';
import { greenhouseCallbackRoutes } from './oauth/greenhouse-callback.js';
import { inviteRoutes } from './operator/invites.js';
import { journeyRoutes } from './operator/journeys.js';
import { probeRoutes } from './operator/probes.js';
import { responseErrorRoutes } from './operator/response-errors.js';
import { pagePath } from '../activities/assessment/links.js';
import { gradeRoutes } from './pages/grade.js';
import { outboxRoutes } from './pages/outbox.js';
import { reportRoutes } from './pages/report.js';
import { pageSecurityHeaders } from './pages/security-headers.js';
import { takeTestRoutes } from './pages/take-test.js';
import { partnerRoutes } from './partner/routes.js';
import { greenhouseWebhookRoutes } from './webhooks/greenhouse.js';
import { tenantRoutes } from './operator/tenants.js';
import { testRoutes } from './operator/tests.js';

export interface AppDependencies {
  db: Database;
  temporal: Client;
  log: Logger;
  taskQueue: string;
  connections: ConnectionService;
  catalogue: CatalogueService;
  /** Decrypts tenants' webhook secrets (the same box the connection service uses). */
  secrets: SecretBox;
  operatorApiKey: string | undefined;
  bodyLimit?: string;
}

/** The HTTP API, grouped by audience. Built from injected dependencies so tests run it as is. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // Webhooks first: their signature covers the raw bytes, which the JSON parser would consume.
  app.use(greenhouseWebhookRoutes(deps));
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb', strict: true }));

  app.use(healthRoutes(deps));
  app.use(greenhouseCallbackRoutes(deps));
  app.use(partnerRoutes(deps));
  // People's pages (candidate, grader, recruiter's report, local outbox).
  app.use(`${pagePath.take_test}/`, pageSecurityHeaders());
  app.use(takeTestRoutes(deps));
  app.use(gradeRoutes(deps));
  app.use(reportRoutes(deps));
  app.use(outboxRoutes(deps));

  const operator = express.Router();
  operator.use(requireOperator(deps.operatorApiKey));
  operator.use(probeRoutes(deps));
  operator.use(journeyRoutes(deps));
  operator.use(tenantRoutes(deps));
  operator.use(testRoutes(deps));
  operator.use(inviteRoutes(deps));
  operator.use(responseErrorRoutes(deps));
  app.use('/operator', operator);

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
