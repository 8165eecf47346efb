import { createHash } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { VendorEventSink } from './event-types.js';

/**
 * `connection.broken` / `connection.restored`: the vendor learns when a tenant's Greenhouse
 * connection stops or starts working again. Keys are stable per transition, so a retried caller
 * emits each transition once: a broken credential is named by its stored ciphertext (a reconnect
 * always stores a new one), a restoration by the broken event it ends.
 */
export async function emitConnectionBroken(
  sink: VendorEventSink,
  seen: { tenantId: string; secretCiphertext: string },
  status: string,
) {
  const credential = createHash('sha256').update(seen.secretCiphertext).digest('base64url').slice(0, 16);
  await sink.emit({
    key: `${seen.tenantId}:connection.broken:${credential}`,
    type: 'connection.broken',
    tenantId: seen.tenantId,
    orderId: null,
    data: { status },
  });
}

/** After a (re)connect: `connection.restored` if the tenant's last connection event was a break. */
export async function emitConnectionRestored(sink: VendorEventSink, db: Database, tenantId: string) {
  const last = await db.vendorEvent.findFirst({
    where: { tenantId, type: { in: ['connection.broken', 'connection.restored'] } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  if (last?.type !== 'connection.broken') return;
  await sink.emit({
    key: `${tenantId}:connection.restored:${last.id}`,
    type: 'connection.restored',
    tenantId,
    orderId: null,
    data: {},
  });
}
