import type { Database } from '../db/client.js';
import { distinctRounds, perTurnOnPool, type Query } from '../db/turn-batch.js';
import { retryWhileDatabaseUnavailable } from '../db/unavailable.js';
import { messageIdFor, type Mailer, type OutgoingMail } from '../mail/index.js';

/**
 * Sends an e-mail at most once per idempotency key across retries, crashes and workers. The row
 * is written as `sending` before the mail is composed and sent, and `sent` after: a retry finds
 * `sent` and stops. Only a
 * crash in the moment between the SMTP answer and the `sent` update can repeat a mail, and that
 * repeat carries the same Message-ID, so mail clients and our tests can tell. A database that is
 * down at that moment does not repeat it: the `sent` update waits for it to come back (up to 40 s,
 * inside the activity's 1-minute start-to-close timeout) instead of failing the attempt.
 */
export async function sendOnce(
  deps: { db: Database; mailer: Mailer },
  args: { journeyId: string; purpose: string; idempotencyKey: string; compose: () => Promise<OutgoingMail> },
): Promise<{ sent: boolean }> {
  const ledger = ledgerOf(deps.db);
  // The row first, as `sending` (a new key, the usual case, is this one statement); a key already
  // there is read, and one already `sent` stops here.
  const claimed = await ledger.claim({
    idempotencyKey: args.idempotencyKey,
    journeyId: args.journeyId,
    purpose: args.purpose,
    messageId: messageIdFor(args.idempotencyKey),
  });
  if (!claimed) {
    const existing = await deps.db.emailDelivery.findUnique({
      where: { idempotencyKey: args.idempotencyKey },
      select: { status: true },
    });
    if (existing?.status === 'sent') return { sent: false };
  }
  const mail = await args.compose();
  await deps.mailer.send(mail);
  const sentAt = new Date();
  await retryWhileDatabaseUnavailable(async () => {
    if (!(await ledger.markSent({ idempotencyKey: args.idempotencyKey, sentAt })))
      throw new Error(`e-mail ${args.idempotencyKey} lost its ledger row before it was marked sent`);
  });
  return { sent: true };
}

interface Claim {
  idempotencyKey: string;
  journeyId: string;
  purpose: string;
  messageId: string;
}

// ON CONFLICT DO NOTHING without a target, as Prisma's createMany({ skipDuplicates }) wrote it.
const CLAIM = `
  INSERT INTO email_deliveries (idempotency_key, journey_id, purpose, status, message_id)
  SELECT k, j, p, 'sending'::"EmailDeliveryStatus", m FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(k, j, p, m)
  ON CONFLICT DO NOTHING
  RETURNING idempotency_key`;

/** Which claims of the turn inserted their row (of one key asked twice, the first). */
async function claimAll(query: Query, claims: Claim[]): Promise<boolean[]> {
  const rows = await query<{ idempotency_key: string }>(CLAIM, [
    claims.map((c) => c.idempotencyKey),
    claims.map((c) => c.journeyId),
    claims.map((c) => c.purpose),
    claims.map((c) => c.messageId),
  ]);
  const inserted = new Set(rows.map((r) => r.idempotency_key));
  return claims.map((c) => inserted.delete(c.idempotencyKey));
}

const MARK_SENT = `
  UPDATE email_deliveries d SET status = 'sent'::"EmailDeliveryStatus", sent_at = v.sent_at
    FROM unnest($1::text[], $2::timestamptz[]) AS v(k, sent_at)
   WHERE d.idempotency_key = v.k
  RETURNING d.idempotency_key`;

/** Which marks found their row (a key marked twice in a turn: in the next statement). */
async function markAllSent(
  query: Query,
  marks: { idempotencyKey: string; sentAt: Date }[],
): Promise<boolean[]> {
  const found = marks.map(() => false);
  for (const round of distinctRounds(marks, (m) => m.idempotencyKey)) {
    const rows = await query<{ idempotency_key: string }>(MARK_SENT, [
      round.map(({ item }) => item.idempotencyKey),
      round.map(({ item }) => item.sentAt.toISOString()),
    ]);
    const done = new Set(rows.map((r) => r.idempotency_key));
    for (const { item, index } of round) found[index] = done.has(item.idempotencyKey);
  }
  return found;
}

const ledgers = new WeakMap<
  Database,
  {
    claim: (c: Claim) => Promise<boolean>;
    markSent: (m: { idempotencyKey: string; sentAt: Date }) => Promise<boolean>;
  }
>();

/**
 * The ledger's two writes, each gathered per event-loop turn into one statement (db/turn-batch.ts;
 * issue 17: a bulk invite sends hundreds of invites at once).
 */
function ledgerOf(db: Database) {
  let ledger = ledgers.get(db);
  if (!ledger)
    ledgers.set(
      db,
      (ledger = { claim: perTurnOnPool(db, claimAll), markSent: perTurnOnPool(db, markAllSent) }),
    );
  return ledger;
}
