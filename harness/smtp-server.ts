import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerEnvelope } from 'smtp-server';

/**
 * A real SMTP server for tests on 127.0.0.1 with a random port. Stores every accepted message
 * with minimal parsing (headers, MIME leaf parts); `mailparser` is deliberately not a dependency.
 */

export interface ReceivedPart {
  contentType: string;
  headers: Record<string, string>;
  /** Decoded body (quoted-printable and base64 handled; charset assumed UTF-8). */
  body: string;
}

export interface ReceivedMessage {
  raw: string;
  envelope: { from: string | null; to: string[] };
  /** Lower-cased header names, unfolded, RFC 2047 encoded-words decoded. First occurrence wins. */
  headers: Record<string, string>;
  subject: string | undefined;
  messageId: string | undefined;
  idempotencyKey: string | undefined;
  /** Leaf MIME parts (text/plain, text/html, ...). A non-multipart message is one part. */
  parts: ReceivedPart[];
}

export interface TestSmtpServerOptions {
  /** Recipients to refuse at RCPT TO with this reply (default 550 mailbox unavailable). */
  rejectRecipients?: string[];
  rejectCode?: number;
}

export interface TestSmtpServer {
  start(): Promise<void>;
  readonly port: number;
  /** `smtp://127.0.0.1:<port>` once started. */
  readonly url: string;
  readonly messages: ReceivedMessage[];
  waitFor(predicate: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  close(): Promise<void>;
  /** From now on, refuse this recipient at RCPT TO: 550 (for good) or 451 (try later). */
  refuse(address: string, code: 550 | 451): void;
  /** Accept this recipient again. */
  accept(address: string): void;
  /** RCPT TO refusals so far, by lower-cased address. */
  readonly refusals: Map<string, number>;
}

export function createTestSmtpServer(options: TestSmtpServerOptions = {}): TestSmtpServer {
  const messages: ReceivedMessage[] = [];
  const waiters = new Set<() => void>();
  const rejected = new Set((options.rejectRecipients ?? []).map((a) => a.toLowerCase()));
  const refusing = new Map<string, 550 | 451>();
  const refusals = new Map<string, number>();
  let port = 0;

  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP only: the client would otherwise try STARTTLS against a self-signed cert.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const refusal = refusing.get(address.address.toLowerCase());
      if (refusal) {
        const key = address.address.toLowerCase();
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
        const text = refusal === 550 ? 'Mailbox unavailable' : 'Mailbox busy, try again later';
        callback(Object.assign(new Error(`${text}: ${address.address}`), { responseCode: refusal }));
        return;
      }
      if (rejected.has(address.address.toLowerCase())) {
        const err = Object.assign(new Error(`Mailbox unavailable: ${address.address}`), {
          responseCode: options.rejectCode ?? 550,
        });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push(parseMessage(Buffer.concat(chunks).toString('utf8'), session.envelope));
        for (const wake of waiters) wake();
        callback();
      });
    },
  });

  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    messages,
    refusals,
    refuse(address, code) {
      refusing.set(address.toLowerCase(), code);
    },
    accept(address) {
      refusing.delete(address.toLowerCase());
    },
    start() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          port = (server.server.address() as AddressInfo).port;
          resolve();
        });
      });
    },
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = messages.find(predicate);
          if (!found) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`No matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function envelopeOf(env: SMTPServerEnvelope): ReceivedMessage['envelope'] {
  return {
    from: env.mailFrom ? env.mailFrom.address : null,
    to: env.rcptTo.map((r) => r.address),
  };
}

export function parseMessage(raw: string, envelope: SMTPServerEnvelope): ReceivedMessage {
  const { headers, body } = splitHeaders(raw);
  return {
    raw,
    envelope: envelopeOf(envelope),
    headers,
    subject: headers['subject'],
    messageId: headers['message-id'],
    idempotencyKey: headers['x-greenroom-idempotency-key'],
    parts: leafParts(headers, body),
  };
}

function splitHeaders(source: string): { headers: Record<string, string>; body: string } {
  const sep = source.search(/\r?\n\r?\n/);
  const head = sep === -1 ? source : source.slice(0, sep);
  const body = sep === -1 ? '' : source.slice(sep).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  // Unfold: a line starting with whitespace continues the previous header.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = decodeEncodedWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** RFC 2047 `=?charset?B|Q?text?=`, adjacent encoded words joined without the space between. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const src = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i] as string;
    const hex = src.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function leafParts(headers: Record<string, string>, body: string): ReceivedPart[] {
  const contentType = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (/^multipart\//i.test(contentType) && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    return sections
      .filter((s) => !s.startsWith('--'))
      .flatMap((s) => {
        const part = splitHeaders(s.replace(/^\r?\n/, ''));
        return leafParts(part.headers, part.body);
      });
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  return [
    { contentType: contentType.split(';')[0]?.trim().toLowerCase() ?? 'text/plain', headers, body: decoded },
  ];
}
