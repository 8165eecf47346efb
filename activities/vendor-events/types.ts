/** One delivery attempt's input: the delivery row says which event goes to which endpoint. */
export interface VendorDeliveryInput {
  deliveryId: string;
}

export interface VendorDeliveryOutcome {
  /** delivered: a 2xx; gone: the endpoint answered 410 (disabled) or was disabled meanwhile. */
  outcome: 'delivered' | 'gone';
  statusCode: number | null;
}

/** The vendor event activities as workflows see them (types only). */
export interface VendorEventActivities {
  /** POSTs the signed event once; throws (retryable) on anything but 2xx or 410. */
  postVendorEvent(input: VendorDeliveryInput): Promise<VendorDeliveryOutcome>;
  /** The retry window ran out: the delivery is marked failed (the log shows the last error). */
  markVendorDeliveryFailed(input: VendorDeliveryInput & { reason: string }): Promise<void>;
}
