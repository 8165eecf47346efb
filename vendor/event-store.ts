import { createHash } from 'node:crypto';
import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import type { VendorEventInput } from './event-types.js';

/** The stable event id of a key (Standard Webhooks' `webhook-id`). */
export const vendorEventId = (key: string) =>
  `msg_${createHash('sha256').update(key).digest('base64url').slice(0, 27)}`;

/**
 * Stores an event once: the same key again answers the stored event. An order's events take the
 * next per-order sequence number in the same transaction, so numbers have no gaps or repeats.
 */
export async function storeVendorEvent(db: Database, event: VendorEventInput) {
  const id = vendorEventId(event.key);
  const existing = await db.vendorEvent.findUnique({ where: { id } });
  if (existing) return { id, sequence: existing.sequence, created: false };
  try {
    return await db.$transaction(async (tx) => {
      let sequence: number | null = null;
      if (event.orderId) {
        const order = await tx.vendorOrder.update({
          where: { journeyId: event.orderId },
          data: { eventSequence: { increment: 1 } },
          select: { eventSequence: true },
        });
        sequence = order.eventSequence;
      }
      await tx.vendorEvent.create({
        data: {
          id,
          type: event.type,
          tenantId: event.tenantId,
          orderId: event.orderId,
          sequence,
          payload: event.data as Prisma.InputJsonValue,
        },
      });
      return { id, sequence, created: true };
    });
  } catch (error) {
    // A concurrent emitter stored the same key first: answer its event.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const stored = await db.vendorEvent.findUniqueOrThrow({ where: { id } });
      return { id, sequence: stored.sequence, created: false };
    }
    throw error;
  }
}
