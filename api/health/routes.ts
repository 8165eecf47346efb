import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { pingDatabase, type Database } from '../../db/client.js';

/**
 * /healthz: the process is alive (restart it if not).
 * /readyz: it can serve: database and Temporal answer (take it out of the load balancer if not).
 */
export function healthRoutes({ db, temporal }: { db: Database; temporal: Client }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
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
