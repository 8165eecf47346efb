import { ApplicationFailure } from '@temporalio/common';
import { scrubMessage } from '../observability/redact.js';
import { MAIL_REFUSED } from '../domain/mail-refusal.js';
import { PermanentMailError } from './errors.js';

export { MAIL_REFUSED };

/**
 * Why a mail can never be delivered as it is, in plain words for operators (addresses removed: the
 * reason lands in listings and the timeline), or null when a retry may still work (4xx, network).
 */
export function refusalReason(err: unknown): string | null {
  if (!(err instanceof PermanentMailError)) return null;
  const cause = err.cause as { response?: unknown } | undefined;
  const reply = typeof cause?.response === 'string' ? cause.response : err.message;
  return err.smtpCode !== undefined
    ? `the mail server refused it for good (${scrubMessage(reply)})`
    : `the address or the message cannot be sent (${err.code ?? 'refused'})`;
}

/**
 * Runs a send; a refusal for good becomes a non-retryable ApplicationFailure of type MailRefused
 * (its message the reason), so Temporal stops retrying and the workflow can wait for a correction.
 * Temporary refusals pass through unchanged and are retried with the activity's backoff.
 */
export async function refusalIsFinal<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    const reason = refusalReason(err);
    if (reason === null) throw err;
    throw ApplicationFailure.create({
      type: MAIL_REFUSED,
      message: reason,
      nonRetryable: true,
      details: [{ smtpCode: (err as PermanentMailError).smtpCode ?? null }],
    });
  }
}
