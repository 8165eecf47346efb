import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRefusal } from '../../tenants/credential-refusal.js';
import { createConnectionUpkeep } from '../../tenants/connection-upkeep.js';
import { eventually, startEventReceiver } from './event-receiver.js';
import { startVendorEventsStack, type VendorEventsStack } from './events-stack.js';

type Receiver = Awaited<ReturnType<typeof startEventReceiver>>;

// Signed events out (Standard Webhooks) over real HTTP, real Temporal and real PostgreSQL.
describe('vendor events: endpoints, signatures, durable delivery', () => {
  let s: VendorEventsStack;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await startEventReceiver();
    receivers.push(r);
    return r;
  };
  const register = async (url: string, body: Record<string, unknown> = {}) => {
    const res = await s.vendor('POST', '/endpoints', { url, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; secret: string; tenant_id: string | null };
  };
  const disableAll = async () => {
    await s.db.vendorEndpoint.updateMany({ where: { disabledAt: null }, data: { disabledAt: new Date() } });
  };
  const deliveriesOf = (endpointId: string) => s.db.vendorDelivery.findMany({ where: { endpointId } });

  beforeAll(async () => {
    s = await startVendorEventsStack();
  }, 120_000);
  afterAll(async () => {
    for (const r of receivers) await r.close().catch(() => undefined);
    await s?.stop();
  });

  it('refuses a bad endpoint URL with 422 naming the field, and stores nothing', async () => {
    for (const url of [
      'https://127.0.0.2/hooks', // loopback (only 127.0.0.1 is an allowed host here)
      'https://[::1]/hooks', // loopback
      'https://169.254.169.254/latest', // link-local (cloud metadata)
      'https://10.1.2.3/hooks', // private
      'http://vendor.example/hooks', // not https
      'https://localhost/hooks', // resolves to loopback
      'not a url',
      'https://user:pw@vendor.example/hooks',
    ]) {
      const res = await s.vendor('POST', '/endpoints', { url });
      expect(res.status, url).toBe(422);
      expect(res.body!.error).toMatchObject({ code: 'invalid', field: 'url' });
    }
    const missing = await s.vendor('POST', '/endpoints', { event_types: ['order.created'] });
    expect(missing.status).toBe(400);
    expect(missing.body!.error!.field).toBe('url');
    const badType = await s.vendor('POST', '/endpoints', {
      url: 'https://vendor.example/x',
      event_types: ['nope'],
    });
    expect(badType.status).toBe(400);
    expect(badType.body!.error!.field).toBe('event_types.0');
    expect(await s.db.vendorEndpoint.count()).toBe(0);
  });

  it('authenticates integration keys only: no key, an operator key, a scoped key writing endpoints', async () => {
    expect((await s.api.call('GET', '/vendor/v1/endpoints')).status).toBe(401); // the bootstrap operator key
    expect((await s.api.call('GET', '/vendor/v1/endpoints', undefined, { authorization: '' })).status).toBe(
      401,
    );
    const scoped = await s.vendor('POST', '/endpoints', { url: 'http://127.0.0.1:9/x' }, s.vendorKeyB);
    expect(scoped.status).toBe(403);
    // …and an integration key is no operator key.
    const asOperator = await s.api.call('GET', '/operator/keys', undefined, {
      authorization: `Bearer ${s.vendorKey}`,
    });
    expect(asOperator.status).toBe(401);
    expect(await s.db.vendorEndpoint.count()).toBe(0);
  });

  it('delivers every event after the endpoint was down, none lost, repeats only with the same id', async () => {
    await disableAll();
    const r = await receiver();
    const endpoint = await register(r.url);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    r.trust(endpoint.secret);
    // Down: first not listening at all, then answering 503, then processing but losing the answer.
    await r.down();
    const orders = [await s.order(s.tenantA, 1), await s.order(s.tenantA, 2)];
    const emitted: { id: string; sequence: number | null }[] = [];
    for (let n = 0; n < 5; n++) {
      for (const orderId of orders)
        emitted.push(await s.sink.emit(s.orderEvent(s.tenantA, orderId, `e${n}`)));
    }
    // A retried emitter: the same keys again store and start nothing new.
    const again = await s.sink.emit(s.orderEvent(s.tenantA, orders[0]!, 'e0'));
    expect(again).toEqual(emitted[0]);
    expect(await s.db.vendorEvent.count({ where: { orderId: { in: orders } } })).toBe(10);
    expect((await deliveriesOf(endpoint.id)).length).toBe(10);

    await eventually(
      async () => (await deliveriesOf(endpoint.id)).every((d) => d.attempts >= 2),
      60_000,
      'failed attempts',
    );
    const refused = await deliveriesOf(endpoint.id);
    expect(refused.every((d) => d.status === 'pending' && d.lastError?.startsWith('no answer'))).toBe(true);
    await r.up();
    r.answer(503);
    await eventually(
      async () => (await deliveriesOf(endpoint.id)).every((d) => d.lastStatusCode === 503),
      60_000,
      '503s',
    );
    r.answer('accept-then-fail');
    await eventually(async () => r.events().length === 10, 60_000, 'all events processed once');
    r.answer(200);
    const delivered = await eventually(async () => {
      const rows = await deliveriesOf(endpoint.id);
      return rows.every((d) => d.status === 'delivered') && rows;
    });

    // Every event arrived, verified with the library; repeats carried the id already seen.
    const events = r.events();
    expect(events).toHaveLength(10);
    expect(r.badSignatures).toBe(0);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(emitted.map((e) => e.id)));
    expect([...r.counts().values()].some((c) => c > 1)).toBe(true);
    for (const orderId of orders) {
      const sequences = events.filter((e) => e.data.order_id === orderId).map((e) => e.data.sequence);
      expect(sequences.sort()).toEqual([1, 2, 3, 4, 5]);
    }
    for (const e of events) {
      expect(e.type).toBe('order.created');
      expect(e.data).toMatchObject({ tenant_id: s.tenantA, package_id: 'pkg-1' });
      expect(emitted.find((x) => x.id === e.id)!.sequence).toBe(e.data.sequence);
    }
    for (const d of delivered) {
      expect(d.attempts).toBeGreaterThanOrEqual(4);
      expect(d.deliveredAt).not.toBeNull();
      expect(d.lastStatusCode).toBe(204);
    }
  }, 240_000);

  it('signs with both secrets during a rotation’s overlap, with the new one only afterwards', async () => {
    await disableAll();
    const r = await receiver();
    const endpoint = await register(r.url);
    const rotated = await s.vendor('POST', `/endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const newSecret = String(rotated.body!.secret);
    expect(newSecret).not.toBe(endpoint.secret);
    const until = new Date(String(rotated.body!.previous_secret_until)).getTime();
    expect(until - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    r.trust(newSecret);
    const orderId = await s.order(s.tenantA, 10);
    await s.sink.emit(s.orderEvent(s.tenantA, orderId, 'rotation'));
    const [during] = await eventually(async () => r.events().length === 1 && r.events());
    const headers = during!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // Each secret alone verifies the request.
    expect(() => new Webhook(endpoint.secret).verify(during!.raw, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(during!.raw, headers)).not.toThrow();

    // The overlap ends: the old secret no longer signs.
    await s.db.vendorEndpoint.update({
      where: { id: endpoint.id },
      data: { previousSecretUntil: new Date(Date.now() - 1000) },
    });
    await s.sink.emit(s.orderEvent(s.tenantA, orderId, 'after-overlap'));
    const after = await eventually(async () => r.events().length === 2 && r.events()[1]!);
    const afterHeaders = after.headers as Record<string, string>;
    expect(afterHeaders['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(after.raw, afterHeaders)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(after.raw, afterHeaders)).toThrow();
  }, 120_000);

  it('keeps tenants apart: a tenant’s endpoint gets its events only, a scoped key sees its own', async () => {
    await disableAll();
    const all = await receiver();
    const onlyB = await receiver();
    const allEndpoint = await register(all.url);
    const bEndpoint = await register(onlyB.url, { tenant_id: s.tenantB, event_types: ['order.created'] });
    expect(bEndpoint.tenant_id).toBe(s.tenantB);
    all.trust(allEndpoint.secret);
    onlyB.trust(bEndpoint.secret);
    const orderA = await s.order(s.tenantA, 20);
    const orderB = await s.order(s.tenantB, 20);
    await s.sink.emit(s.orderEvent(s.tenantA, orderA, 'scope'));
    await s.sink.emit(s.orderEvent(s.tenantB, orderB, 'scope'));
    // Not subscribed to this type: nothing for the tenant-B endpoint.
    await s.sink.emit({ ...s.orderEvent(s.tenantB, orderB, 'cancel'), type: 'order.cancelled' });
    await eventually(async () => all.events().length === 3);
    await eventually(async () => onlyB.events().length === 1);
    expect(onlyB.events()[0]!.data.order_id).toBe(orderB);

    const scopedList = await s.vendor('GET', '/deliveries?limit=200', undefined, s.vendorKeyB);
    expect(scopedList.status).toBe(200);
    const rows = scopedList.body!.data as { tenant_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((d) => d.tenant_id === s.tenantB)).toBe(true);
    const scopedEndpoints = await s.vendor('GET', '/endpoints', undefined, s.vendorKeyB);
    expect((scopedEndpoints.body!.data as { id: string }[]).map((e) => e.id)).toEqual([bEndpoint.id]);
  }, 120_000);

  it('disables an endpoint that answers 410 Gone, and a deleted endpoint gets nothing more', async () => {
    await disableAll();
    const r = await receiver();
    const endpoint = await register(r.url);
    r.answer(410);
    const orderId = await s.order(s.tenantA, 30);
    await s.sink.emit(s.orderEvent(s.tenantA, orderId, 'gone'));
    const [row] = await eventually(async () => {
      const rows = await deliveriesOf(endpoint.id);
      return rows[0]?.status === 'failed' && rows;
    });
    expect(row!.attempts).toBe(1);
    expect(row!.lastStatusCode).toBe(410);
    expect(
      (await s.db.vendorEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).disabledAt,
    ).not.toBeNull();

    const other = await register(r.url);
    const deleted = await s.vendor('DELETE', `/endpoints/${other.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body!.disabled_at).not.toBeNull();
    await s.sink.emit(s.orderEvent(s.tenantA, orderId, 'after-delete'));
    expect(await deliveriesOf(other.id)).toHaveLength(0);
    expect((await s.vendor('POST', `/endpoints/${other.id}/rotate-secret`)).status).toBe(404);
  }, 120_000);

  it('tells the vendor connection.broken and connection.restored once per transition', async () => {
    await disableAll();
    const r = await receiver();
    const endpoint = await register(r.url, { event_types: ['connection.broken', 'connection.restored'] });
    r.trust(endpoint.secret);
    const seen = { tenantId: s.tenantB, authKind: 'v3_client_credentials', secretCiphertext: 'ciphertext-1' };
    await s.db.greenhouseConnection.create({
      data: {
        tenantId: s.tenantB,
        authKind: 'v3_client_credentials',
        greenhouseHost: 'app.greenhouse.io',
        harvestBaseUrl: 'https://harvest.greenhouse.io/v3',
        secretCiphertext: seen.secretCiphertext,
      },
    });
    const upkeep = createConnectionUpkeep({
      db: s.db,
      temporal: s.temporal,
      taskQueue: s.worker.taskQueue,
      vendorEvents: s.sink,
    });
    // A connect with nothing broken tells the vendor nothing.
    expect((await upkeep.connected(s.tenantB, 'v3_client_credentials')).warnings).toEqual([]);
    const refusal = { status: 'disconnected' as const, reason: 'Greenhouse rejected the credential' };
    // The same refusal seen twice (a retried activity): one event.
    expect(await recordRefusal(s.db, seen, refusal, s.sink)).toBe(true);
    expect(await recordRefusal(s.db, seen, refusal, s.sink)).toBe(true);
    await upkeep.connected(s.tenantB, 'v3_client_credentials');
    await upkeep.connected(s.tenantB, 'v3_client_credentials');
    await eventually(async () => r.events().length === 2);
    // A new credential breaks again: a new transition, a new event.
    await s.db.greenhouseConnection.update({
      where: { tenantId: s.tenantB },
      data: { secretCiphertext: 'ciphertext-2', status: 'connected' },
    });
    await recordRefusal(s.db, { ...seen, secretCiphertext: 'ciphertext-2' }, refusal, s.sink);
    await upkeep.connected(s.tenantB, 'v3_client_credentials');
    await eventually(async () => r.events().length === 4);
    const stored = await s.db.vendorEvent.findMany({
      where: { tenantId: s.tenantB, type: { startsWith: 'connection.' } },
      orderBy: { createdAt: 'asc' },
    });
    expect(stored.map((e) => e.type)).toEqual([
      'connection.broken',
      'connection.restored',
      'connection.broken',
      'connection.restored',
    ]);
    expect(
      r
        .events()
        .map((e) => e.type)
        .sort(),
    ).toEqual(stored.map((e) => e.type).sort());
    for (const e of r.events()) {
      expect(e.data).toMatchObject({ tenant_id: s.tenantB, order_id: null, sequence: null });
    }
  }, 120_000);
});
