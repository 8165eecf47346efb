import type { OutgoingMail } from './message.js';

/** What a transport is handed: the validated mail plus the headers the mailer derived. */
export interface PreparedMail extends OutgoingMail {
  messageId: string;
  headers: Record<string, string>;
}

export interface DeliveryResult {
  messageId: string;
  /** Recipient addresses the server accepted (all of them for the outbox). */
  accepted: string[];
  /** Recipient addresses the server refused while still accepting others. */
  rejected: string[];
  /** Server reply or a transport-specific note, for logs. */
  response: string;
}

/** Sends or stores one mail. Implementations throw `MailDeliveryError` subclasses on failure. */
export interface MailTransport {
  readonly kind: string;
  deliver(mail: PreparedMail): Promise<DeliveryResult>;
  close(): Promise<void>;
}
