import { testSecretBox } from '../helpers/activities.js';
import express from 'express';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { pagePath } from '../../journeys/links.js';
import { gradeRoutes } from '../../api/pages/grade.js';
import { errorHandler, notFound } from '../../api/http-errors.js';
import { outboxRoutes } from '../../api/pages/outbox.js';
import { reportRoutes } from '../../api/pages/report.js';
import { pageSecurityHeaders } from '../../api/pages/security-headers.js';
import { takeTestRoutes } from '../../api/pages/take-test.js';
import { createCatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { listen } from '../helpers/http.js';

export type PagesServer = Awaited<ReturnType<typeof startPagesServer>>;

/**
 * People's pages (candidate, grader, recruiter's report, outbox) on their own loopback server,
 * mounted as api/app.ts mounts them: its URL is the public base URL of the links in e-mails.
 */
export async function startPagesServer(deps: {
  db: Database;
  temporal: Client;
  operatorApiKey: string | undefined;
}) {
  const app = express();
  app.disable('x-powered-by');
  const catalogue = createCatalogueService({ db: deps.db });
  app.use(`${pagePath.take_test}/`, pageSecurityHeaders());
  app.use(takeTestRoutes({ ...deps, catalogue, secrets: testSecretBox() }));
  app.use(gradeRoutes({ ...deps, catalogue, secrets: testSecretBox() }));
  app.use(reportRoutes(deps));
  app.use(outboxRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(pino({ level: 'silent' })));
  return listen(app);
}
