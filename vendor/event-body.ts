/** The stored event as it goes out (Standard Webhooks body): `{ type, timestamp, data }`. */
export function vendorEventBody(event: {
  type: string;
  tenantId: string | null;
  orderId: string | null;
  sequence: number | null;
  payload: unknown;
  createdAt: Date;
}) {
  return {
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: {
      ...(event.payload as Record<string, unknown>),
      order_id: event.orderId,
      sequence: event.sequence,
      tenant_id: event.tenantId,
    },
  };
}
