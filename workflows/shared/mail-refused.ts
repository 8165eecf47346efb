import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { MAIL_REFUSED } from '../../domain/mail-refusal.js';

/**
 * Runs a mail activity; answers null when it was delivered, or the reason when the mail server
 * refused it for good (the activity's non-retryable MailRefused failure). Anything else rethrows.
 */
export async function refusedReason(send: () => Promise<unknown>): Promise<string | null> {
  try {
    await send();
    return null;
  } catch (err) {
    if (isMailRefused(err)) return err.cause.message;
    throw err;
  }
}

/** The mail activity's failure when the mail server refused the address for good. */
export function isMailRefused(err: unknown): err is ActivityFailure & { cause: ApplicationFailure } {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === MAIL_REFUSED
  );
}
