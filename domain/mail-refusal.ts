/**
 * The failure type of a mail refused for good (SMTP 5xx, an impossible address): the mail
 * activities raise it non-retryable, the journey workflows catch it at their invite step.
 */
export const MAIL_REFUSED = 'MailRefused';
