import { z } from 'zod';
import { Prisma, type Database } from '../db/client.js';
import { cursorInstant, pageCursor } from '../db/page-cursor.js';

/** Filters of the delivery log (vendor and operator APIs). */
export interface DeliveryLogQuery {
  tenantId?: string | null;
  eventType?: string;
  status?: string;
  orderId?: string;
  endpointId?: string;
  since?: Date;
  limit: number;
  /** Newest first: the page after this (created_at, id). */
  after?: { createdAt: Date; id: string } | null;
}

interface DeliveryLogRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: string;
  attempts: number;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  redeliveries: number;
  created_at: Date;
  event_type: string;
  order_id: string | null;
  sequence: number | null;
  tenant_id: string | null;
}

/** One entry of the log as the APIs show it: ids, states and times, no payload. */
export const deliveryView = (row: DeliveryLogRow) => ({
  id: row.id,
  event_id: row.event_id,
  event_type: row.event_type,
  order_id: row.order_id,
  sequence: row.sequence,
  tenant_id: row.tenant_id,
  endpoint_id: row.endpoint_id,
  status: row.status,
  attempts: row.attempts,
  redeliveries: row.redeliveries,
  last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
  last_status_code: row.last_status_code,
  last_error: row.last_error,
  delivered_at: row.delivered_at?.toISOString() ?? null,
  created_at: row.created_at.toISOString(),
});
export type DeliveryView = ReturnType<typeof deliveryView>;

/** Newest first: the last delivery's creation time and id. */
const cursor = pageCursor(z.object({ c: cursorInstant, i: z.string() }));

/** The position a cursor names, or null when it is not one this log returned. */
export function decodeDeliveryCursor(text: string): { createdAt: Date; id: string } | null {
  const key = cursor.decode(text);
  return key && { createdAt: key.c, id: key.i };
}

const SELECT = Prisma.sql`
  SELECT d.id, d.event_id, d.endpoint_id, d.status, d.attempts, d.last_attempt_at, d.last_status_code,
         d.last_error, d.delivered_at, d.redeliveries, d.created_at,
         e.type AS event_type, e.order_id, e.sequence, e.tenant_id
  FROM vendor_deliveries d JOIN vendor_events e ON e.id = d.event_id`;

/** A page of the delivery log, newest first, with the cursor of the next page. */
export async function listDeliveries(db: Database, q: DeliveryLogQuery) {
  const where: Prisma.Sql[] = [];
  if (q.tenantId) where.push(Prisma.sql`e.tenant_id = ${q.tenantId}`);
  if (q.eventType) where.push(Prisma.sql`e.type = ${q.eventType}`);
  if (q.status) where.push(Prisma.sql`d.status = ${q.status}`);
  if (q.orderId) where.push(Prisma.sql`e.order_id = ${q.orderId}`);
  if (q.endpointId) where.push(Prisma.sql`d.endpoint_id = ${q.endpointId}`);
  if (q.since) where.push(Prisma.sql`d.created_at >= ${q.since}`);
  if (q.after) where.push(Prisma.sql`(d.created_at, d.id) < (${q.after.createdAt}, ${q.after.id})`);
  const rows = await db.$queryRaw<DeliveryLogRow[]>`
    ${SELECT}
    ${where.length ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty}
    ORDER BY d.created_at DESC, d.id DESC
    LIMIT ${q.limit + 1}`;
  const page = rows.slice(0, q.limit);
  return {
    data: page.map(deliveryView),
    next_cursor:
      rows.length > q.limit
        ? cursor.encode({ c: page[page.length - 1]!.created_at, i: page[page.length - 1]!.id })
        : null,
  };
}

/** One delivery with its event's facts, or null. */
export async function findDelivery(db: Database, id: string) {
  const rows = await db.$queryRaw<DeliveryLogRow[]>`${SELECT} WHERE d.id = ${id}`;
  return rows[0] ? deliveryView(rows[0]) : null;
}
