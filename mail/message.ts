import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TenantBranding } from './branding.js';
import type { RenderedEmail } from './templates/layout.js';

/**
 * `<journeyId>:<purpose>[:<n>]`, e.g. `jr_123:invite`, `jr_123:reminder:1`. Restricted to a safe
 * alphabet because it is copied into a mail header verbatim.
 */
export const IdempotencyKey = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)+$/, 'must look like <journeyId>:<purpose>[:<n>]');

const Address = z.email({ error: 'must be an e-mail address' });
const Mailbox = z.object({
  name: z
    .string()
    .max(200)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
    .optional(),
  address: Address,
});

/** One e-mail to send. Built by activities from a rendered template plus tenant branding. */
export const OutgoingMail = z.object({
  idempotencyKey: IdempotencyKey,
  from: Mailbox,
  to: z.array(Mailbox).min(1),
  replyTo: Mailbox.optional(),
  subject: z.string().min(1),
  text: z.string(),
  html: z.string(),
});
export type OutgoingMail = z.infer<typeof OutgoingMail>;
export type Mailbox = z.infer<typeof Mailbox>;

/** Header that carries the key; recipients' tooling and our tests use it to spot duplicates. */
export const IDEMPOTENCY_HEADER = 'X-Greenroom-Idempotency-Key';
export const DEFAULT_MESSAGE_ID_DOMAIN = 'greenroom.invalid';

/**
 * Deterministic RFC 5322 Message-ID for a key: a retried activity re-sends the *same* Message-ID,
 * so a receiving MTA or mail client can collapse the duplicate. The key itself contains `:`,
 * which is not allowed in a msg-id, hence the hash.
 */
export function messageIdFor(idempotencyKey: string, domain = DEFAULT_MESSAGE_ID_DOMAIN): string {
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  return `<${digest}@${domain}>`;
}

/** Convenience: turns branding + rendered template into an OutgoingMail. */
export function composeMail(args: {
  branding: TenantBranding;
  to: Mailbox | Mailbox[];
  idempotencyKey: string;
  content: RenderedEmail;
  replyTo?: Mailbox;
}): OutgoingMail {
  return OutgoingMail.parse({
    idempotencyKey: args.idempotencyKey,
    from: { name: args.branding.fromName, address: args.branding.fromAddress },
    to: Array.isArray(args.to) ? args.to : [args.to],
    replyTo: args.replyTo,
    subject: args.content.subject,
    text: args.content.text,
    html: args.content.html,
  });
}
