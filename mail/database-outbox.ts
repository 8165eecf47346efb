import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import type { OutboxStore, StoredMail } from './outbox.js';

/** The outbox in the database, so the API's outbox page shows what every worker "sent". */
export function createDatabaseOutboxStore(db: Database): OutboxStore {
  return {
    async save(mail) {
      await db.outboxMail
        .create({
          data: {
            idempotencyKey: mail.idempotencyKey,
            mail: mail as unknown as Prisma.InputJsonValue,
            storedAt: new Date(mail.storedAt),
          },
        })
        .catch((err: unknown) => {
          if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        });
    },
    async list(options) {
      const rows = await db.outboxMail.findMany({
        orderBy: { storedAt: 'desc' },
        take: options?.limit ?? 100,
      });
      return rows.map((r) => r.mail as unknown as StoredMail);
    },
  };
}
