import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { eventually, startEventReceiver } from './event-receiver.js';
import { startVendorStack, type VendorStack } from './vendor-stack.js';

type Receiver = Awaited<ReturnType<typeof startEventReceiver>>;

// The order carries its launch link: issued once with the order, shown by the order view and
// order.created, e-mailed unchanged by greenroom, and gone after erasure. Real API, Temporal,
// PostgreSQL, SMTP and event delivery over HTTP.
describe('an order’s launch link', () => {
  let stack: VendorStack;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startVendorStack();
    receiver = await startEventReceiver();
    await stack.subscribe(receiver);
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const db = () => stack.database.db;
  const createdEvent = (orderId: string) =>
    eventually(
      async () => receiver.events().find((e) => e.type === 'order.created' && e.data.order_id === orderId),
      90_000,
      `order.created for ${orderId}`,
    );
  const viewOf = async (orderId: string) => {
    const res = await stack.vendor('GET', `/orders/${encodeURIComponent(orderId)}`);
    expect(res.status).toBe(200);
    return res.body as { launch_url: string | null; invite_delivery: string };
  };
  const launchLinks = (journeyId: string) =>
    db().accessLink.count({ where: { journeyId, purpose: 'launch' } });
  const open = (url: string) => fetch(url, { redirect: 'manual' });

  it(
    'vendor delivery: the order view and order.created carry one working link',
    { timeout: 180_000 },
    async () => {
      const { journeyId } = await stack.startOrder(0, 'vendor');
      const event = await createdEvent(journeyId);
      const link = event.data.launch_url as string;
      expect(link).toMatch(new RegExp(`^${stack.api.url}/v/grv_[A-Za-z0-9_-]+$`));
      expect(event.data).toMatchObject({ invite_delivery: 'vendor' });
      const view = await viewOf(journeyId);
      expect(view).toMatchObject({ invite_delivery: 'vendor', launch_url: link });
      // The list shows it too.
      const list = await stack.vendor('GET', '/orders?limit=50');
      expect(
        (list.body!.data as { id: string; launch_url: string }[]).find((o) => o.id === journeyId),
      ).toMatchObject({
        launch_url: link,
      });
      await waitFor(
        'the order to be invited',
        async () => (await db().journey.findUnique({ where: { id: journeyId } }))?.status === 'sent',
        60_000,
      );
      // Greenroom sent nothing; the link opens the vendor's launch URL with an assertion.
      expect(stack.smtp.messages.filter((m) => m.idempotencyKey?.startsWith(`${journeyId}:`))).toHaveLength(
        0,
      );
      const launched = await open(link);
      expect(launched.status).toBe(302);
      expect(launched.headers.get('location')).toMatch(/^https:\/\/vendor\.example\/launch\?assertion=ey/);
      expect(await launchLinks(journeyId)).toBe(1);
      // The stored event keeps the link sealed, never in clear.
      const stored = await db().vendorEvent.findFirstOrThrow({
        where: { orderId: journeyId, type: 'order.created' },
      });
      expect(JSON.stringify(stored.payload)).not.toContain('grv_');
      expect(
        JSON.stringify((await db().vendorOrder.findUniqueOrThrow({ where: { journeyId } })).launchUrlSealed),
      ).not.toContain('grv_');

      // Erasure: the order view shows no link, the link opens nothing, the sealed copy is gone.
      const erased = await stack.api.call(
        'POST',
        `/operator/journeys/${encodeURIComponent(journeyId)}/erase`,
        {},
      );
      expect(erased.status).toBe(200);
      expect((await viewOf(journeyId)).launch_url).toBeNull();
      expect((await open(link)).status).toBe(404);
      expect(await launchLinks(journeyId)).toBe(0);
      expect((await db().vendorOrder.findUniqueOrThrow({ where: { journeyId } })).launchUrlSealed).toBeNull();
    },
  );

  it(
    'greenroom delivery: the e-mailed link is the order’s link (one token)',
    { timeout: 180_000 },
    async () => {
      const { journeyId } = await stack.startOrder(1, 'greenroom');
      const event = await createdEvent(journeyId);
      const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);
      const text = invite.parts.find((p) => p.contentType === 'text/plain')!.body;
      const mailed = /(http:\/\/127\.0\.0\.1:\d+\/v\/grv_[A-Za-z0-9_-]+)/.exec(text)![1];
      expect(mailed).toBeDefined();
      expect(event.data.launch_url).toBe(mailed);
      expect((await viewOf(journeyId)).launch_url).toBe(mailed);
      expect(await launchLinks(journeyId)).toBe(1);
      expect((await open(mailed!)).status).toBe(302);
    },
  );
});
