import type { Database } from '../db/client.js';
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
  // The row first, as `sending` (a new key, the usual case, is this one statement); a key already
  // there is read, and one already `sent` stops here.
  const { count } = await deps.db.emailDelivery.createMany({
    data: [
      {
        idempotencyKey: args.idempotencyKey,
        journeyId: args.journeyId,
        purpose: args.purpose,
        status: 'sending',
        messageId: messageIdFor(args.idempotencyKey),
      },
    ],
    skipDuplicates: true,
  });
  if (count === 0) {
    const existing = await deps.db.emailDelivery.findUnique({
      where: { idempotencyKey: args.idempotencyKey },
      select: { status: true },
    });
    if (existing?.status === 'sent') return { sent: false };
  }
  const mail = await args.compose();
  await deps.mailer.send(mail);
  const sentAt = new Date();
  await retryWhileDatabaseUnavailable(() =>
    deps.db.emailDelivery.update({
      where: { idempotencyKey: args.idempotencyKey },
      data: { status: 'sent', sentAt },
    }),
  );
  return { sent: true };
}
