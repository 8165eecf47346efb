/** How long and how often one delivery is retried (VENDOR_EVENT_RETRY_* in config). */
export interface VendorDeliveryRetry {
  initialMs: number;
  maxIntervalMs: number;
  /** The whole window: at least 24 h in production; then the delivery is marked failed. */
  windowMs: number;
}

/** Input of `deliverVendorEvent`: workflow id = the delivery id (`<event id>:<endpoint id>`), or `…:r<n>`. */
export interface DeliverVendorEventInput {
  deliveryId: string;
  retry: VendorDeliveryRetry;
}

export const DEFAULT_VENDOR_DELIVERY_RETRY: VendorDeliveryRetry = {
  initialMs: 5_000,
  maxIntervalMs: 3_600_000,
  windowMs: 26 * 3_600_000,
};
