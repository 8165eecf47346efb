import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { ServiceError } from '../domain/errors.js';
import { orderStartedSignal } from '../workflows/vendor-order/contract.js';

/**
 * The vendor's progress reports: the order row (started_at, progress_percent, status started) and
 * the journey, which then shows Greenhouse in_progress. Repeats are harmless; a closed order or one
 * with a result keeps its status.
 */
export async function recordOrderProgress(
  deps: { db: Database; temporal: Client },
  input: {
    orderId: string;
    scopeTenantId: string | null;
    type: 'started' | 'progress';
    percent?: number;
    at?: string;
  },
) {
  const order = await deps.db.vendorOrder.findUnique({ where: { journeyId: input.orderId } });
  if (!order || (input.scopeTenantId && order.tenantId !== input.scopeTenantId))
    throw new ServiceError('not_found', `no order ${input.orderId}`);
  if (order.status !== 'open' && order.status !== 'started')
    throw new ServiceError('conflict', `the order is ${order.status}`);
  const at = input.at ? new Date(input.at) : new Date();
  await deps.db.vendorOrder.updateMany({
    where: { journeyId: input.orderId, status: { in: ['open', 'started'] } },
    data: {
      status: 'started',
      ...(order.startedAt ? {} : { startedAt: at }),
      ...(input.percent !== undefined ? { progressPercent: input.percent } : {}),
    },
  });
  await deps.temporal.workflow.getHandle(input.orderId).signal(orderStartedSignal);
}
