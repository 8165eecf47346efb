/** The events greenroom sends the vendor's endpoints (Standard Webhooks), by type. */
export const vendorEventTypes = [
  'order.created',
  'order.cancelled',
  'order.expired',
  'result.accepted',
  'writeback.completed',
  'writeback.waiting',
  'connection.broken',
  'connection.restored',
] as const;
export type VendorEventType = (typeof vendorEventTypes)[number];

/** One event to emit. `key` makes its id stable: emitting the same key again stores nothing new. */
export interface VendorEventInput {
  key: string;
  type: VendorEventType;
  tenantId: string | null;
  /** The order (journey id) for order, result and write-back events. */
  orderId: string | null;
  /** The event's `data`: ids and what the vendor needs, no more personal data than the order needs. */
  data: Record<string, unknown>;
}

/** Where emitters hand events (injected into activities and services; the delivery lives behind it). */
export interface VendorEventSink {
  emit(event: VendorEventInput): Promise<{ id: string; sequence: number | null }>;
}
