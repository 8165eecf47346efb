import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client.js';
import { findDelivery, listDeliveries } from '../../vendor/deliveries-log.js';
import { redeliverVendorDelivery, redeliverVendorEventsSince } from '../../vendor/event-delivery.js';
import type { VendorDeliveryRetry } from '../../workflows/vendor-events/contract.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { err, invalidInput, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { DeliveryLogQuery, DeliveryPage, deliveryLogQuery } from '../vendor/deliveries.js';
import { assertRole, canSeeTenant, listedTenant, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';

const OperatorLogQuery = DeliveryLogQuery.extend({ tenant_id: z.string().min(1).max(100).optional() });
export const RedeliverSinceBody = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  endpoint_id: z.string().min(1).max(100).optional(),
});
const DeliveryParams = z.object({ deliveryId: z.string().min(1) });

const tag = 'operator: vendor deliveries';
const listRoute: RouteSpec = {
  method: 'get',
  path: '/vendor/deliveries',
  tag,
  summary: 'The vendor event delivery log',
  description: 'Newest first, filtered; page with `next_cursor`.',
  security: 'operator',
  query: OperatorLogQuery,
  responses: {
    200: { description: 'A page of deliveries.', schema: DeliveryPage },
    400: invalidInput,
    ...operatorAuth,
    404: err('A tenant outside the key’s scope (`not_found`).'),
  },
};
const redeliverRoute: RouteSpec = {
  method: 'post',
  path: '/vendor/deliveries/:deliveryId/redeliver',
  tag,
  summary: 'Redeliver one event to its endpoint',
  description: 'Same event: same `webhook-id` and sequence. Runs as workflow `<delivery id>:r<n>`.',
  security: 'operator',
  params: DeliveryParams,
  responses: {
    202: {
      description: 'A new delivery attempt started.',
      schema: z.object({ delivery_id: z.string(), workflow_id: z.string() }),
    },
    ...operatorAuth,
    404: err('No such delivery within the key’s scope (`not_found`).'),
  },
};
const redeliverSinceRoute: RouteSpec = {
  method: 'post',
  path: '/vendor/redeliver',
  tag,
  summary: 'Redeliver every event since a time',
  description: 'Every delivery created since `since` (one endpoint’s, if given), oldest first.',
  security: 'operator',
  body: { schema: RedeliverSinceBody },
  responses: {
    202: {
      description: 'New delivery attempts started.',
      schema: z.object({ redelivered: z.number().int(), workflow_ids: z.array(z.string()) }),
    },
    400: invalidInput,
    ...operatorAuth,
  },
};

/** Operators: the delivery log of vendor events, and redelivery (audited). */
export function vendorDeliveryOperatorRoutes(deps: {
  db: Database;
  temporal: Client;
  taskQueue: string;
  vendorEventRetry?: Partial<VendorDeliveryRetry>;
}): Router {
  const router = Router();
  const delivery = {
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    retry: deps.vendorEventRetry,
  };

  route(
    router,
    listRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      assertRole(operator, 'support');
      const q = parseInput(OperatorLogQuery, req.query, 'query');
      res.json(await listDeliveries(deps.db, deliveryLogQuery(q, listedTenant(operator, q.tenant_id))));
    }),
  );

  route(
    router,
    redeliverRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const deliveryId = String(req.params.deliveryId);
      const started = await operatorAction(
        deps.db,
        res,
        { action: 'vendor.delivery.redeliver', role: 'support', detail: { deliveryId } },
        async () => {
          const found = await findDelivery(deps.db, deliveryId);
          // Another tenant's delivery answers as an unknown one would.
          const visible =
            found &&
            (found.tenant_id === null ? operator.tenantId === null : canSeeTenant(operator, found.tenant_id));
          if (!visible) throw new HttpError(404, 'not_found', `no delivery ${deliveryId}`);
          const done = await redeliverVendorDelivery(delivery, deliveryId);
          if (!done) throw new HttpError(404, 'not_found', `no delivery ${deliveryId}`);
          return done;
        },
        (done) => ({ workflowId: done.workflowId }),
      );
      res.status(202).json({ delivery_id: started.deliveryId, workflow_id: started.workflowId });
    }),
  );

  route(
    router,
    redeliverSinceRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const workflowIds = await operatorAction(
        deps.db,
        res,
        { action: 'vendor.redeliver', role: 'support' },
        async () => {
          const body = parseInput(RedeliverSinceBody, req.body ?? {});
          return redeliverVendorEventsSince(delivery, {
            since: new Date(body.since),
            ...(body.endpoint_id ? { endpointId: body.endpoint_id } : {}),
            tenantId: operator.tenantId,
          });
        },
        (ids) => ({ redelivered: ids.length }),
      );
      res.status(202).json({ redelivered: workflowIds.length, workflow_ids: workflowIds });
    }),
  );
  return router;
}
