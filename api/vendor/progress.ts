import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { recordOrderProgress } from '../../vendor/order-progress.js';
import { handle, parseInput } from '../http-errors.js';
import { err, invalidInput } from '../openapi/common.js';
import { note } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { integrationAuth, integrationOf } from './auth.js';

const ProgressEvent = z.strictObject({
  type: z.enum(['started', 'progress']),
  percent: z.number().int().min(0).max(100).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});
const OrderParams = z.object({
  order_id: note(z.string().min(1).max(300), 'The order id (the journey id).'),
});

/** POST /vendor/v1/orders/{order_id}/events: the candidate started, or progressed. */
export function vendorProgressRoutes(deps: { db: Database; temporal: Client }): Router {
  const router = Router();
  route(
    router,
    {
      method: 'post',
      path: '/orders/:order_id/events',
      tag: 'vendor: orders',
      summary: 'Report an order’s progress',
      description:
        'Updates the order (started_at, progress_percent) and the status Greenhouse shows (in_progress).',
      security: 'integration',
      params: OrderParams,
      body: { schema: ProgressEvent },
      responses: {
        202: {
          description: 'Recorded.',
          schema: z.object({ order_id: z.string(), recorded: z.literal(true) }),
        },
        400: invalidInput,
        ...integrationAuth,
        404: err('No such order (or not this key’s tenant).'),
        409: err('The order is closed or has its result (`conflict`).'),
      },
    },
    handle(async (req, res) => {
      const body = parseInput(ProgressEvent, req.body);
      const orderId = String(req.params.order_id);
      await recordOrderProgress(deps, {
        orderId,
        scopeTenantId: integrationOf(res).tenantId,
        type: body.type,
        ...(body.percent !== undefined ? { percent: body.percent } : {}),
        ...(body.at ? { at: body.at } : {}),
      });
      res.status(202).json({ order_id: orderId, recorded: true });
    }),
  );
  return router;
}
