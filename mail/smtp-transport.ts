import nodemailer from 'nodemailer';
import { classifySmtpError } from './errors.js';
import type { DeliveryResult, MailTransport, PreparedMail } from './transport.js';

export interface SmtpTransportOptions {
  /** e.g. `smtp://127.0.0.1:1025`, `smtps://user:pass@mail.example.com:465`. */
  url: string;
  /**
   * Milliseconds for connect, greeting and socket inactivity. Nodemailer's defaults (2-10 min)
   * would outlive a typical activity start-to-close timeout; better to fail fast and retry.
   */
  timeoutMs?: number;
}

/** Sends through an SMTP relay with nodemailer; one connection per message (no pool to leak). */
export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const timeout = options.timeoutMs ?? 15_000;
  const transporter = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });

  return {
    kind: 'smtp',
    async deliver(mail: PreparedMail): Promise<DeliveryResult> {
      try {
        const info = await transporter.sendMail({
          from: mail.from,
          to: mail.to,
          replyTo: mail.replyTo,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          headers: mail.headers,
        });
        return {
          messageId: info.messageId || mail.messageId,
          accepted: info.accepted,
          rejected: info.rejected,
          response: info.response,
        };
      } catch (err) {
        throw classifySmtpError(err, mail.idempotencyKey);
      }
    },
    async close(): Promise<void> {
      transporter.close();
    },
  };
}
