import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pingDatabase, type Database } from '../../db/client.js';
import type { RouteSpec } from '../openapi/registry.js';
import { HealthzResponse, ReadyzResponse } from '../openapi/responses.js';
import { route } from '../openapi/route.js';

const healthz: RouteSpec = {
  method: 'get',
  path: '/healthz',
  tag: 'health',
  summary: 'Liveness',
  description: 'The process is alive (restart it if not).',
  security: 'none',
  responses: { 200: { description: 'Alive.', schema: HealthzResponse } },
};
const readyz: RouteSpec = {
  method: 'get',
  path: '/readyz',
  tag: 'health',
  summary: 'Readiness',
  description: 'The database and Temporal answer (take the instance out of the load balancer if not).',
  security: 'none',
  responses: {
    200: { description: 'Ready.', schema: ReadyzResponse },
    503: { description: 'Not ready: `checks` names the part.', schema: ReadyzResponse },
  },
};

/**
 * /healthz: the process is alive (restart it if not).
 * /readyz: it can serve: database and Temporal answer (take it out of the load balancer if not).
 */
export function healthRoutes({ db, temporal }: { db: Database; temporal: Client }): Router {
  const router = Router();
  route(router, healthz, (_req, res) => {
    res.json({ status: 'ok' });
  });
  route(router, readyz, async (_req, res) => {
    const [database, temporalCheck] = await Promise.allSettled([
      pingDatabase(db),
      withTimeout(temporal.workflowService.getSystemInfo({}), 2_000, 'Temporal'),
    ]);
    const checks = {
      database: database.status === 'fulfilled' ? 'ok' : 'unavailable',
      temporal: temporalCheck.status === 'fulfilled' ? 'ok' : 'unavailable',
    };
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
