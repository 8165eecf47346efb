import type { DeliveryResult, MailTransport, PreparedMail } from './transport.js';

/** A mail that the outbox transport kept instead of sending. */
export interface StoredMail extends PreparedMail {
  storedAt: string;
}

/**
 * Persistence for the outbox (local default: "what would have been sent"). The in-memory store
 * is for tests and single-process dev; a database-backed store implements the same interface.
 */
export interface OutboxStore {
  /** Must be idempotent per `idempotencyKey`: saving the same key twice keeps one entry. */
  save(mail: StoredMail): Promise<void>;
  /** Newest first. */
  list(options?: { limit?: number }): Promise<StoredMail[]>;
}

export function createInMemoryOutboxStore(): OutboxStore & { clear(): void } {
  const byKey = new Map<string, StoredMail>();
  return {
    async save(mail) {
      if (!byKey.has(mail.idempotencyKey)) byKey.set(mail.idempotencyKey, structuredClone(mail));
    },
    async list(options) {
      const all = [...byKey.values()].reverse();
      return structuredClone(options?.limit === undefined ? all : all.slice(0, options.limit));
    },
    clear() {
      byKey.clear();
    },
  };
}

export interface OutboxTransportOptions {
  store: OutboxStore;
  /** Injected for deterministic tests. */
  now?: () => Date;
}

/** Stores mail instead of sending it. */
export function createOutboxTransport(options: OutboxTransportOptions): MailTransport {
  const now = options.now ?? (() => new Date());
  return {
    kind: 'outbox',
    async deliver(mail: PreparedMail): Promise<DeliveryResult> {
      await options.store.save({ ...mail, storedAt: now().toISOString() });
      return {
        messageId: mail.messageId,
        accepted: mail.to.map((m) => m.address),
        rejected: [],
        response: 'stored in outbox',
      };
    },
    async close(): Promise<void> {},
  };
}
