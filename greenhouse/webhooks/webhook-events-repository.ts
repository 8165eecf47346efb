import type { Database } from '../../db/client.js';

/** The webhook ledger (`webhook_events`): one row per tenant and Greenhouse-Event-ID. */
export function webhookEventsRepository(db: Database) {
  const key = (tenantId: string, eventId: string) => ({ tenantId_eventId: { tenantId, eventId } });
  return {
    /** Inserts the claim; a second insert of the same event fails with P2002. */
    insert: (row: { tenantId: string; eventId: string; action: string; outcome: string }) =>
      db.webhookEvent.create({ data: row }),
    find: (tenantId: string, eventId: string) =>
      db.webhookEvent.findUnique({ where: key(tenantId, eventId) }),
    /** Compare-and-set of the outcome: the count is 1 for the one writer that saw `from`. */
    swapOutcome: async (tenantId: string, eventId: string, from: string, to: string) =>
      (
        await db.webhookEvent.updateMany({
          where: { tenantId, eventId, outcome: from },
          data: { outcome: to },
        })
      ).count,
    setOutcome: (tenantId: string, eventId: string, outcome: string) =>
      db.webhookEvent.update({ where: key(tenantId, eventId), data: { outcome } }),
  };
}
