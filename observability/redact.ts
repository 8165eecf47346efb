const EMAIL = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+/g;

/** An error message fit for logs: e-mail addresses (SMTP and Greenhouse answers echo them) removed. */
export function scrubMessage(message: string): string {
  const scrubbed = message.replace(EMAIL, '[email]');
  return scrubbed.length > 300 ? `${scrubbed.slice(0, 300)}…` : scrubbed;
}
