/**
 * Delivery failures, split by what an activity should do next. Temporal activities can list
 * `PermanentMailError` in `nonRetryableErrorTypes` (matched by `name`) or wrap it in
 * `ApplicationFailure.nonRetryable`.
 */
export abstract class MailDeliveryError extends Error {
  abstract readonly retryable: boolean;
  /** SMTP reply code when the server answered, e.g. 550. */
  readonly smtpCode: number | undefined;
  /** Nodemailer / Node error code, e.g. ECONNECTION, EENVELOPE. */
  readonly code: string | undefined;
  readonly idempotencyKey: string | undefined;

  constructor(
    message: string,
    details: {
      smtpCode?: number | undefined;
      code?: string | undefined;
      idempotencyKey?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.smtpCode = details.smtpCode;
    this.code = details.code;
    this.idempotencyKey = details.idempotencyKey;
  }
}

/** Worth retrying later: network trouble, timeouts, SMTP 4xx (and 503, a session-state error). */
export class RetryableMailError extends MailDeliveryError {
  override readonly name = 'RetryableMailError';
  readonly retryable = true;
}

/** Retrying the same message will fail again: SMTP 5xx (e.g. 550 mailbox unavailable), bad envelope, auth. */
export class PermanentMailError extends MailDeliveryError {
  override readonly name = 'PermanentMailError';
  readonly retryable = false;
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
}

/** Codes without an SMTP reply that mean "the message (or our config) is wrong", not "try again". */
const PERMANENT_CODES = new Set([
  'EENVELOPE',
  'EMESSAGE',
  'EAUTH',
  'ENOAUTH',
  'ECONFIG',
  'EMAXRECIPIENTS',
  'EREQUIRETLS',
]);

/**
 * Maps whatever the SMTP client threw to a typed error. Reply codes win over error codes
 * (RFC 5321: 5yz permanent, 4yz transient; 503 is "bad sequence", fine on a new session).
 * Anything unrecognised counts as retryable: a spurious retry costs little, a lost invite a lot.
 */
export function classifySmtpError(err: unknown, idempotencyKey?: string): MailDeliveryError {
  if (err instanceof MailDeliveryError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike;
  const smtpCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const detail = typeof e.message === 'string' ? e.message : String(err);
  const args = { smtpCode, code, idempotencyKey, cause: err };

  if (smtpCode !== undefined && smtpCode >= 500 && smtpCode < 600 && smtpCode !== 503) {
    return new PermanentMailError(`SMTP rejected the message permanently (${smtpCode}): ${detail}`, args);
  }
  if (smtpCode !== undefined && smtpCode >= 400) {
    return new RetryableMailError(`SMTP deferred the message (${smtpCode}): ${detail}`, args);
  }
  if (code !== undefined && PERMANENT_CODES.has(code)) {
    return new PermanentMailError(`Mail cannot be delivered (${code}): ${detail}`, args);
  }
  return new RetryableMailError(
    `Mail delivery failed, may succeed later (${code ?? 'unknown'}): ${detail}`,
    args,
  );
}
