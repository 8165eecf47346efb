import { scrubMessage } from '../observability/redact.js';
import { classifySmtpError, PermanentMailError } from './errors.js';
import { DEFAULT_MESSAGE_ID_DOMAIN, IDEMPOTENCY_HEADER, messageIdFor, OutgoingMail } from './message.js';
import type { DeliveryResult, MailTransport } from './transport.js';

/** Structural subset of pino's logger, so any compatible logger can be injected. */
export interface MailLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MailerOptions {
  transport: MailTransport;
  logger?: MailLogger;
  /** Right-hand side of generated Message-IDs; use a domain you control in production. */
  messageIdDomain?: string;
}

export interface SendResult extends DeliveryResult {
  idempotencyKey: string;
  transport: string;
}

export interface Mailer {
  /**
   * Validates and sends one mail. Throws a ZodError for an invalid mail (a programming error)
   * and a RetryableMailError / PermanentMailError for delivery failures.
   */
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * Idempotency here is *header-level only*: the same key always yields the same Message-ID and
 * X-Greenroom-Idempotency-Key, so duplicates are recognisable downstream. This module does not
 * remember what it sent; suppressing a second send across retries or processes is the caller's
 * job (a database record per key, checked by the activity before calling `send`).
 */
export function createMailer(options: MailerOptions): Mailer {
  const { transport, logger } = options;
  const domain = options.messageIdDomain ?? DEFAULT_MESSAGE_ID_DOMAIN;

  return {
    async send(input) {
      const mail = OutgoingMail.parse(input);
      const messageId = messageIdFor(mail.idempotencyKey, domain);
      const log = { idempotencyKey: mail.idempotencyKey, messageId, transport: transport.kind };
      try {
        const result = await transport.deliver({
          ...mail,
          messageId,
          headers: { [IDEMPOTENCY_HEADER]: mail.idempotencyKey },
        });
        if (result.rejected.length > 0) {
          // Partial rejection: the server took the mail for the others. Not thrown, since a retry
          // would re-send to everyone who already got it. Logged as a count: logs carry no addresses.
          logger?.warn({ ...log, rejected: result.rejected.length }, 'some recipients were rejected');
        }
        logger?.info({ ...log, accepted: result.accepted.length }, 'mail sent');
        return { ...result, idempotencyKey: mail.idempotencyKey, transport: transport.kind };
      } catch (err) {
        const failure = classifySmtpError(err, mail.idempotencyKey);
        const level = failure instanceof PermanentMailError ? 'error' : 'warn';
        logger?.[level](
          // SMTP answers echo the refused address: logs carry no addresses.
          { ...log, err: scrubMessage(failure.message), smtpCode: failure.smtpCode, code: failure.code },
          'mail not sent',
        );
        throw failure;
      }
    },
    close: () => transport.close(),
  };
}
