import type { Database } from '../db/client.js';
import { storeVendorEvent } from './event-store.js';
import type { VendorEventSink } from './event-types.js';

/**
 * The one place emitters get their sink from (the worker, the API). Today it stores each event once
 * (stable id, per-order sequence); delivery to the vendor's endpoints plugs in here.
 */
export function createVendorEventSink(deps: { db: Database }): VendorEventSink {
  return {
    async emit(event) {
      const { id, sequence } = await storeVendorEvent(deps.db, event);
      return { id, sequence };
    },
  };
}
