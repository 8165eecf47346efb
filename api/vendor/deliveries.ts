import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { decodeDeliveryCursor, listDeliveries } from '../../vendor/deliveries-log.js';
import { vendorEventTypes } from '../../vendor/event-types.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { invalidInput } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { integrationAuth } from './endpoints.js';
import { integrationOf } from './auth.js';

/** Filters of the delivery log (also the operator listing's). */
export const DeliveryLogQuery = z.object({
  event_type: z.enum(vendorEventTypes).optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  order_id: z.string().min(1).max(300).optional(),
  endpoint_id: z.string().min(1).max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const DeliveryView = z.object({
  id: z.string(),
  event_id: z.string().describe('The `webhook-id` every attempt of this event carries.'),
  event_type: z.string(),
  order_id: z.string().nullable(),
  sequence: z.number().int().nullable(),
  tenant_id: z.string().nullable(),
  endpoint_id: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  redeliveries: z.number().int(),
  last_attempt_at: z.string().nullable(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});
export const DeliveryPage = z.object({ data: z.array(DeliveryView), next_cursor: z.string().nullable() });

/** The log query from parsed filters, for a caller seeing `tenantId` (null: every tenant). */
export function deliveryLogQuery(q: z.output<typeof DeliveryLogQuery>, tenantId: string | null) {
  const after = q.cursor ? decodeDeliveryCursor(q.cursor) : null;
  if (q.cursor && !after)
    throw new HttpError(400, 'invalid_input', 'cursor: is not a cursor this API returned', 'cursor');
  return {
    tenantId,
    ...(q.event_type ? { eventType: q.event_type } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.order_id ? { orderId: q.order_id } : {}),
    ...(q.endpoint_id ? { endpointId: q.endpoint_id } : {}),
    ...(q.since ? { since: new Date(q.since) } : {}),
    limit: q.limit,
    after,
  };
}

const listRoute: RouteSpec = {
  method: 'get',
  path: '/deliveries',
  tag: 'vendor: deliveries',
  summary: 'The delivery log',
  description: 'Newest first, filtered; page with `next_cursor`. A tenant-scoped key sees its tenant’s.',
  security: 'integration',
  query: DeliveryLogQuery,
  responses: {
    200: { description: 'A page of deliveries.', schema: DeliveryPage },
    400: invalidInput,
    ...integrationAuth,
  },
};

/** The vendor's view of event deliveries to its endpoints. */
export function vendorDeliveryRoutes(deps: { db: Database }): Router {
  const router = Router();
  route(
    router,
    listRoute,
    handle(async (req, res) => {
      const q = parseInput(DeliveryLogQuery, req.query, 'query');
      res.json(await listDeliveries(deps.db, deliveryLogQuery(q, integrationOf(res).tenantId)));
    }),
  );
  return router;
}
