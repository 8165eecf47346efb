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
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === MAIL_REFUSED) return cause.message;
    throw err;
  }
}
