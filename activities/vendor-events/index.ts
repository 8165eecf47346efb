import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../../db/client.js';
import type { Resolver } from '../../greenhouse/callback/index.js';
import { guardedFetch } from '../../greenhouse/callback/guarded-fetch.js';
import type { SecretBox } from '../../security/secret-box.js';
import { signingSecretsOf } from '../../vendor/endpoints-repository.js';
import { vendorEventBody } from '../../vendor/event-body.js';
import { openEventPayload } from '../../vendor/launch-link.js';
import type { VendorEventActivities } from './types.js';

export interface VendorEventActivityDeps {
  db: Database;
  secrets: SecretBox;
  /** VENDOR_ENDPOINT_ALLOW_HOSTS: endpoints reachable on loopback or private addresses. */
  vendorEndpointAllowHosts?: readonly string[];
  callbackResolve?: Resolver;
  /** The HTTP client (default: fetch whose connections refuse non-public addresses). */
  vendorEventFetch?: typeof fetch;
}

/** How long one POST may take before the attempt counts as failed. */
const POST_TIMEOUT_MS = 15_000;

/** Delivers vendor events (Standard Webhooks): one signed POST per attempt, each written to the log. */
export function createVendorEventActivities(deps: VendorEventActivityDeps): VendorEventActivities {
  const { db, secrets } = deps;
  const post =
    deps.vendorEventFetch ??
    guardedFetch({
      sandboxHosts: deps.vendorEndpointAllowHosts ?? [],
      ...(deps.callbackResolve ? { resolve: deps.callbackResolve } : {}),
    });
  return {
    async postVendorEvent({ deliveryId }) {
      const delivery = await db.vendorDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      const [event, endpoint] = await Promise.all([
        db.vendorEvent.findUniqueOrThrow({ where: { id: delivery.eventId } }),
        db.vendorEndpoint.findUniqueOrThrow({ where: { id: delivery.endpointId } }),
      ]);
      if (endpoint.disabledAt) {
        await db.vendorDelivery.update({
          where: { id: deliveryId },
          data: { status: 'failed', lastError: 'the endpoint is disabled' },
        });
        return { outcome: 'gone', statusCode: null };
      }
      const now = new Date();
      const payload = await openEventPayload(deps, event.orderId, event.payload);
      const body = JSON.stringify(vendorEventBody({ ...event, payload }));
      // Every live secret signs (rotation overlap): the receiver accepts any one signature it can verify.
      const signature = signingSecretsOf(secrets, endpoint, now)
        .map((secret) => new Webhook(secret).sign(event.id, now, body))
        .join(' ');
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await post(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'greenroom-webhooks/1',
            'webhook-id': event.id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(POST_TIMEOUT_MS),
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (status < 200 || status >= 300) error = `the endpoint answered ${status}`;
      } catch (err) {
        error = `no answer: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      }
      const delivered = error === null;
      const gone = status === 410;
      await db.vendorDelivery.update({
        where: { id: deliveryId },
        data: {
          attempts: { increment: 1 },
          lastAttemptAt: now,
          lastStatusCode: status,
          lastError: error,
          ...(delivered ? { status: 'delivered', deliveredAt: now } : gone ? { status: 'failed' } : {}),
        },
      });
      if (delivered) return { outcome: 'delivered', statusCode: status };
      // 410 Gone: the vendor retired the endpoint (Standard Webhooks): disable it, stop retrying.
      if (gone) {
        await db.vendorEndpoint.updateMany({
          where: { id: endpoint.id, disabledAt: null },
          data: { disabledAt: now },
        });
        return { outcome: 'gone', statusCode: status };
      }
      throw ApplicationFailure.retryable(error ?? 'delivery failed', 'VendorDeliveryRefused');
    },

    async markVendorDeliveryFailed({ deliveryId, reason }) {
      await db.vendorDelivery.updateMany({
        where: { id: deliveryId, status: 'pending' },
        data: { status: 'failed', lastError: reason.slice(0, 1000) },
      });
    },
  };
}
