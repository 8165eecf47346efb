import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { OPERATOR_KEY_PREFIX } from '../../api/operator/auth.js';
import { operatorKeysRepository } from '../../operators/operator-keys-repository.js';
import { generateToken, hashToken } from '../../security/tokens.js';
import { createDeliveringVendorEventSink } from '../../vendor/event-delivery.js';
import type { VendorDeliveryRetry } from '../../workflows/vendor-events/contract.js';
import { testActivities } from '../helpers/activities.js';
import { startTestApi } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { connectTestClient, startTestWorker } from '../helpers/temporal.js';

/** Short retries (never real 24 h waits): 200 ms doubling up to 1 s, for `windowMs`. */
export const testRetry = (windowMs = 180_000): VendorDeliveryRetry => ({
  initialMs: 200,
  maxIntervalMs: 1_000,
  windowMs,
});

/**
 * The real pieces of vendor events: PostgreSQL, the Temporal dev server and the journey worker (its
 * real activities, loopback endpoints allowed), the API, two tenants with an order each, and
 * integration keys (unscoped, and scoped to tenant B).
 */
export async function startVendorEventsStack() {
  const database = await createTestDatabase();
  const db = database.db;
  const temporal: Client = await connectTestClient();
  const worker = await startTestWorker({
    activities: testActivities(db, { vendorEndpointAllowHosts: ['127.0.0.1'] }),
  });
  const retry = testRetry();
  const api = await startTestApi({
    db,
    temporal,
    taskQueue: worker.taskQueue,
    vendorEndpointAllowHosts: ['127.0.0.1'],
    vendorEventRetry: retry,
  });
  const sink = createDeliveringVendorEventSink({ db, temporal, taskQueue: worker.taskQueue, retry });
  const suffix = randomBytes(3).toString('hex');
  const tenantA = `ta-${suffix}`;
  const tenantB = `tb-${suffix}`;
  for (const id of [tenantA, tenantB]) await db.tenant.create({ data: { id, slug: id, name: id } });
  const order = async (tenantId: string, n: number) => {
    const journeyId = `vendor:${tenantId}:order-${n}`;
    await db.vendorOrder.create({
      data: {
        journeyId,
        tenantId,
        packageId: 'pkg-1',
        packageVersion: 1,
        inviteDelivery: 'greenroom',
        status: 'open',
      },
    });
    return journeyId;
  };
  const integrationKey = async (tenantId: string | null) => {
    const key = generateToken(OPERATOR_KEY_PREFIX);
    await operatorKeysRepository(db).create({
      id: `opk_${randomBytes(6).toString('hex')}`,
      name: 'vendor product',
      role: 'integration',
      tenantId,
      keyHash: hashToken(key),
    });
    return key;
  };
  const vendorKey = await integrationKey(null);
  const vendorKeyB = await integrationKey(tenantB);
  /** Calls the vendor API with an integration key (the unscoped one by default). */
  const vendor = (method: string, path: string, body?: unknown, key = vendorKey) =>
    api.call(method, `/vendor/v1${path}`, body, { authorization: `Bearer ${key}` });
  const operator = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    api.call(method, `/operator${path}`, body, headers);
  /** An event about an order, as emitters hand it to the sink. */
  const orderEvent = (tenantId: string, orderId: string, key: string) => ({
    key: `${orderId}:${key}`,
    type: 'order.created' as const,
    tenantId,
    orderId,
    data: { package_id: 'pkg-1' },
  });
  return {
    db,
    temporal,
    worker,
    api,
    sink,
    retry,
    tenantA,
    tenantB,
    order,
    integrationKey,
    vendorKey,
    vendorKeyB,
    vendor,
    operator,
    orderEvent,
    async stop() {
      await api.close();
      await worker.stop();
      await temporal.connection.close();
      await database.drop();
    },
  };
}
export type VendorEventsStack = Awaited<ReturnType<typeof startVendorEventsStack>>;
