import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveringVendorEventSink } from '../../vendor/event-delivery.js';
import { eventually, startEventReceiver } from './event-receiver.js';
import { startVendorEventsStack, testRetry, type VendorEventsStack } from './events-stack.js';

type Receiver = Awaited<ReturnType<typeof startEventReceiver>>;
interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  order_id: string | null;
  sequence: number | null;
  tenant_id: string | null;
  endpoint_id: string;
  status: string;
  attempts: number;
  redeliveries: number;
}

// The delivery log (vendor and operator views) and operators' redelivery, over real HTTP and Temporal.
describe('vendor event deliveries: the log and redelivery', () => {
  let s: VendorEventsStack;
  let r: Receiver;
  let endpointId: string;
  let orderA: string;
  let orderB: string;
  const startedAt = new Date();

  const log = async (query = '', key?: string) => {
    const res = await s.vendor('GET', `/deliveries${query}`, undefined, key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as unknown as { data: Delivery[]; next_cursor: string | null };
  };
  const allDelivered = () =>
    eventually(async () => (await s.db.vendorDelivery.findMany()).every((d) => d.status !== 'pending'));

  beforeAll(async () => {
    s = await startVendorEventsStack();
    r = await startEventReceiver();
    const created = await s.vendor('POST', '/endpoints', { url: r.url });
    expect(created.status).toBe(201);
    endpointId = String(created.body!.id);
    r.trust(String(created.body!.secret));
    orderA = await s.order(s.tenantA, 1);
    orderB = await s.order(s.tenantB, 1);
    for (let n = 0; n < 3; n++) await s.sink.emit(s.orderEvent(s.tenantA, orderA, `n${n}`));
    await s.sink.emit({ ...s.orderEvent(s.tenantA, orderA, 'cancelled'), type: 'order.cancelled' });
    await s.sink.emit(s.orderEvent(s.tenantB, orderB, 'n0'));
    await eventually(async () => r.events().length === 5);
    await allDelivered();
  }, 120_000);
  afterAll(async () => {
    await r?.close();
    await s?.stop();
  });

  it('lists deliveries newest first, filtered, in cursor pages', async () => {
    const all = await log('?limit=200');
    expect(all.data).toHaveLength(5);
    expect(all.next_cursor).toBeNull();
    expect(all.data.every((d) => d.status === 'delivered' && d.endpoint_id === endpointId)).toBe(true);

    const pages: Delivery[] = [];
    let cursor: string | null = null;
    do {
      const page = await log(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      pages.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages.map((d) => d.id)).toEqual(all.data.map((d) => d.id));

    expect((await log('?event_type=order.cancelled')).data.map((d) => d.sequence)).toEqual([4]);
    expect((await log(`?order_id=${encodeURIComponent(orderB)}`)).data.map((d) => d.tenant_id)).toEqual([
      s.tenantB,
    ]);
    expect((await log('?status=failed')).data).toEqual([]);
    expect((await log(`?endpoint_id=${endpointId}&limit=200`)).data).toHaveLength(5);
    expect(
      (await log(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).data,
    ).toEqual([]);
    expect((await log(`?since=${encodeURIComponent(startedAt.toISOString())}&limit=200`)).data).toHaveLength(
      5,
    );

    // A scoped key sees its tenant's only.
    expect((await log('?limit=200', s.vendorKeyB)).data.map((d) => d.order_id)).toEqual([orderB]);

    for (const [query, field] of [
      ['?cursor=not-a-cursor', 'cursor'],
      ['?limit=0', 'limit'],
      ['?status=lost', 'status'],
      ['?since=yesterday', 'since'],
    ] as const) {
      const res = await s.vendor('GET', `/deliveries${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body!.error!.field).toBe(field);
    }
  });

  it('redelivers one event with the same id and sequence, audited; the receiver counts it as a repeat', async () => {
    const [target] = (await log('?event_type=order.cancelled')).data;
    const before = r.counts().get(target!.event_id);
    expect(before).toBe(1);
    const auditBefore = await s.db.auditEntry.count();
    const res = await s.operator('POST', `/vendor/deliveries/${encodeURIComponent(target!.id)}/redeliver`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ delivery_id: target!.id, workflow_id: `${target!.id}:r1` });
    await eventually(async () => r.counts().get(target!.event_id) === 2);
    const again = r.events().find((e) => e.id === target!.event_id)!;
    expect(again.data.sequence).toBe(target!.sequence);
    const row = await eventually(async () => {
      const d = await s.db.vendorDelivery.findUniqueOrThrow({ where: { id: target!.id } });
      return d.status === 'delivered' && d;
    });
    expect(row.redeliveries).toBe(1);
    expect(row.attempts).toBe(target!.attempts + 1);
    const audit = await s.db.auditEntry.findMany({ where: { id: { gt: auditBefore } } });
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([['vendor.delivery.redeliver', 'ok']]);

    // Unknown: 404, nothing started, audited as refused.
    const unknown = await s.operator('POST', '/vendor/deliveries/msg_nope:ep_nope/redeliver');
    expect(unknown.status).toBe(404);
  }, 120_000);

  it('redelivers everything since a time; a tenant-scoped operator reaches its tenant’s only', async () => {
    const key = await s.operator('POST', '/keys', {
      name: 'support b',
      role: 'support',
      tenantId: s.tenantB,
    });
    expect(key.status).toBe(201);
    const asB = { authorization: `Bearer ${String(key.body!.key)}` };
    const [deliveryA] = (await log(`?order_id=${encodeURIComponent(orderA)}&limit=1`)).data;
    const hidden = await s.operator(
      'POST',
      `/vendor/deliveries/${encodeURIComponent(deliveryA!.id)}/redeliver`,
      undefined,
      asB,
    );
    expect(hidden.status).toBe(404);
    const scopedLog = await s.operator('GET', '/vendor/deliveries?limit=200', undefined, asB);
    expect((scopedLog.body!.data as Delivery[]).map((d) => d.order_id)).toEqual([orderB]);
    expect(
      (await s.operator('GET', `/vendor/deliveries?tenant_id=${s.tenantA}`, undefined, asB)).status,
    ).toBe(404);

    const countsBefore = r.counts();
    const scoped = await s.operator('POST', '/vendor/redeliver', { since: startedAt.toISOString() }, asB);
    expect(scoped.status).toBe(202);
    expect(scoped.body!.redelivered).toBe(1);

    const bad = await s.operator('POST', '/vendor/redeliver', { since: 'last week' });
    expect(bad.status).toBe(400);
    expect(bad.body!.error!.field).toBe('since');

    const all = await s.operator('POST', '/vendor/redeliver', {
      since: startedAt.toISOString(),
      endpoint_id: endpointId,
    });
    expect(all.status).toBe(202);
    expect(all.body!.redelivered).toBe(5);
    // Each event arrives again under its own id: nothing new for the receiver, only repeats.
    await eventually(async () => [...countsBefore].every(([id, n]) => (r.counts().get(id) ?? 0) >= n + 1));
    expect(r.events()).toHaveLength(5);
    await allDelivered();
    const logged = await s.operator('GET', '/vendor/deliveries?limit=200');
    expect(
      (logged.body!.data as Delivery[]).every((d) => d.status === 'delivered' && d.redeliveries >= 1),
    ).toBe(true);
  }, 120_000);

  it('gives up when the retry window runs out: the delivery is marked failed with the last error', async () => {
    const down = await startEventReceiver();
    down.answer(503);
    const created = await s.vendor('POST', '/endpoints', { url: down.url, tenant_id: s.tenantB });
    const shortWindow = createDeliveringVendorEventSink({
      db: s.db,
      temporal: s.temporal,
      taskQueue: s.worker.taskQueue,
      retry: testRetry(3_000),
    });
    const order = await s.order(s.tenantB, 2);
    await shortWindow.emit(s.orderEvent(s.tenantB, order, 'never'));
    const row = await eventually(async () => {
      const d = await s.db.vendorDelivery.findFirst({ where: { endpointId: String(created.body!.id) } });
      return d?.status === 'failed' && d;
    }, 60_000);
    expect(row.attempts).toBeGreaterThanOrEqual(2);
    expect(row.lastStatusCode).toBe(503);
    expect(row.lastError).toMatch(/^gave up: /);
    expect(row.deliveredAt).toBeNull();
    await down.close();
  }, 120_000);
});
