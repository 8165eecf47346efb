import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import {
  DEFAULT_VENDOR_DELIVERY_RETRY,
  type DeliverVendorEventInput,
  type VendorDeliveryRetry,
} from '../workflows/vendor-events/contract.js';
import { subscribedEndpoints } from './endpoints-repository.js';
import { storeVendorEvent } from './event-store.js';
import type { VendorEventInput, VendorEventSink } from './event-types.js';

export interface VendorEventDeliveryDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
  /** VENDOR_EVENT_RETRY_*: production's 24 h+ window by default; tests shorten it. */
  retry?: Partial<VendorDeliveryRetry>;
}

/** The workflow type that delivers one event to one endpoint (workflows/vendor-events/). */
export const DELIVER_VENDOR_EVENT_WORKFLOW = 'deliverVendorEvent';

/** The retry settings from configuration (VENDOR_EVENT_RETRY_*). */
export const vendorEventRetryFrom = (config: {
  VENDOR_EVENT_RETRY_INITIAL_MS: number;
  VENDOR_EVENT_RETRY_MAX_INTERVAL_MS: number;
  VENDOR_EVENT_RETRY_WINDOW_MS: number;
}): VendorDeliveryRetry => ({
  initialMs: config.VENDOR_EVENT_RETRY_INITIAL_MS,
  maxIntervalMs: config.VENDOR_EVENT_RETRY_MAX_INTERVAL_MS,
  windowMs: config.VENDOR_EVENT_RETRY_WINDOW_MS,
});

const retryOf = (deps: VendorEventDeliveryDeps): VendorDeliveryRetry => ({
  ...DEFAULT_VENDOR_DELIVERY_RETRY,
  ...deps.retry,
});

/** Starts one delivery workflow; a workflow with that id already there (a repeated emit) is left alone. */
async function startDelivery(deps: VendorEventDeliveryDeps, workflowId: string, deliveryId: string) {
  try {
    await deps.temporal.workflow.start(DELIVER_VENDOR_EVENT_WORKFLOW, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ deliveryId, retry: retryOf(deps) } satisfies DeliverVendorEventInput],
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * The event sink that delivers: the event is stored once (stable id, per-order sequence), then
 * every subscribed endpoint gets a delivery row (`<event id>:<endpoint id>`) and a workflow of
 * the same id. Emitting the same key again stores nothing and starts nothing new, so an emitter
 * that retries (an activity) is safe; one that crashed between the two steps completes them.
 */
export function createDeliveringVendorEventSink(deps: VendorEventDeliveryDeps): VendorEventSink {
  return {
    async emit(event: VendorEventInput) {
      const stored = await storeVendorEvent(deps.db, event);
      const targets = await subscribedEndpoints(deps.db, event);
      for (const { id: endpointId } of targets) {
        const deliveryId = `${stored.id}:${endpointId}`;
        // A delivery made on an earlier emit stays as it is (delivered or still retrying).
        await deps.db.vendorDelivery.createMany({
          data: [{ id: deliveryId, eventId: stored.id, endpointId, status: 'pending' }],
          skipDuplicates: true,
        });
        await startDelivery(deps, deliveryId, deliveryId);
      }
      return { id: stored.id, sequence: stored.sequence };
    },
  };
}

/**
 * Operators' redelivery of one delivery: a new attempt workflow `<delivery id>:r<n>` with the same
 * event (same webhook-id, same sequence). Null when there is no such delivery.
 */
export async function redeliverVendorDelivery(deps: VendorEventDeliveryDeps, deliveryId: string) {
  const updated = await deps.db.vendorDelivery.updateManyAndReturn({
    where: { id: deliveryId },
    data: { redeliveries: { increment: 1 }, status: 'pending' },
  });
  const row = updated[0];
  if (!row) return null;
  const workflowId = `${deliveryId}:r${row.redeliveries}`;
  await startDelivery(deps, workflowId, deliveryId);
  return { deliveryId, workflowId };
}

/** Every delivery of events created since `since` (optionally to one endpoint) again, in order. */
export async function redeliverVendorEventsSince(
  deps: VendorEventDeliveryDeps,
  filter: { since: Date; endpointId?: string; tenantId?: string | null },
) {
  const rows = await deps.db.vendorDelivery.findMany({
    where: {
      createdAt: { gte: filter.since },
      ...(filter.endpointId ? { endpointId: filter.endpointId } : {}),
    },
    select: { id: true, eventId: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const inScope =
    filter.tenantId == null
      ? rows
      : await (async () => {
          const events = await deps.db.vendorEvent.findMany({
            where: { id: { in: rows.map((r) => r.eventId) }, tenantId: filter.tenantId },
            select: { id: true },
          });
          const ids = new Set(events.map((e) => e.id));
          return rows.filter((r) => ids.has(r.eventId));
        })();
  const started: string[] = [];
  for (const row of inScope) {
    const done = await redeliverVendorDelivery(deps, row.id);
    if (done) started.push(done.workflowId);
  }
  return started;
}
