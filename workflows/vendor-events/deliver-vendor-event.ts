import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { VendorDeliveryOutcome, VendorEventActivities } from '../../activities/vendor-events/types.js';
import type { DeliverVendorEventInput } from './contract.js';

export type { DeliverVendorEventInput } from './contract.js';

const { markVendorDeliveryFailed } = proxyActivities<VendorEventActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One event to one endpoint (Standard Webhooks): ONE activity, retried by Temporal with exponential
 * backoff for the whole window; each attempt writes the delivery log. When the window runs out, the
 * delivery is marked failed. The event's id and sequence never change between attempts.
 */
export async function deliverVendorEvent(
  input: DeliverVendorEventInput,
): Promise<VendorDeliveryOutcome | null> {
  const { postVendorEvent } = proxyActivities<VendorEventActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: input.retry.windowMs,
    retry: {
      initialInterval: input.retry.initialMs,
      backoffCoefficient: 2,
      maximumInterval: input.retry.maxIntervalMs,
    },
  });
  try {
    return await postVendorEvent({ deliveryId: input.deliveryId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const reason = err.cause?.message ?? err.message;
    await markVendorDeliveryFailed({ deliveryId: input.deliveryId, reason: `gave up: ${reason}` });
    return null;
  }
}
