import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  classifySmtpError,
  composeMail,
  createInMemoryOutboxStore,
  createMailer,
  createOutboxTransport,
  createSmtpTransport,
  messageIdFor,
  PermanentMailError,
  renderGraderRequest,
  renderInvite,
  renderOutboxPage,
  RetryableMailError,
  type MailLogger,
  type OutgoingMail,
} from '../../mail/index.js';
import { createTestSmtpServer, type TestSmtpServer } from '../../harness/smtp-server.js';
import { branding, XSS } from './fixtures.js';

function inviteMail(key: string, to = 'ana@candidates.example', firstName = 'Ana'): OutgoingMail {
  return composeMail({
    branding,
    to: { name: `${firstName} Lopez`, address: to },
    idempotencyKey: key,
    content: renderInvite(branding, {
      candidateFirstName: firstName,
      testName: 'TypeScript Basics',
      linkUrl: 'https://tests.example/t/abc',
      deadline: '2025-12-05T17:00:00Z',
      timeLimitMinutes: 60,
    }),
  });
}

function recordingLogger(): MailLogger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('SMTP transport against a real SMTP server', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = createTestSmtpServer({ rejectRecipients: ['gone@candidates.example'] });
    await smtp.start();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('delivers with From, To, Subject, deterministic Message-ID, idempotency header and both parts', async () => {
    const mailer = createMailer({ transport: createSmtpTransport({ url: smtp.url }) });
    const result = await mailer.send(inviteMail('jr_123:invite'));
    await mailer.close();

    expect(result.messageId).toBe(messageIdFor('jr_123:invite'));
    expect(result.accepted).toEqual(['ana@candidates.example']);
    const msg = await smtp.waitFor((m) => m.idempotencyKey === 'jr_123:invite');
    expect(msg.envelope).toEqual({ from: 'talent@acme.example', to: ['ana@candidates.example'] });
    expect(msg.headers['from']).toBe('Acme Talent Team <talent@acme.example>');
    expect(msg.headers['to']).toBe('Ana Lopez <ana@candidates.example>');
    expect(msg.subject).toBe('Acme Robotics: your TypeScript Basics assessment');
    expect(msg.messageId).toBe(messageIdFor('jr_123:invite'));
    expect(msg.messageId).toMatch(/^<[0-9a-f]{40}@greenroom\.invalid>$/);
    expect(msg.headers['content-type']).toMatch(/^multipart\/alternative/);

    const text = msg.parts.find((p) => p.contentType === 'text/plain');
    const html = msg.parts.find((p) => p.contentType === 'text/html');
    expect(text?.body).toContain('Start the assessment: https://tests.example/t/abc');
    expect(html?.body).toContain('href="https://tests.example/t/abc"');
    expect(html?.body).toContain('Hi Ana,');
  });

  it('gives the same Message-ID to a re-send with the same key, a different one for another key', async () => {
    const mailer = createMailer({
      transport: createSmtpTransport({ url: smtp.url }),
      messageIdDomain: 'mail.acme.example',
    });
    await mailer.send(inviteMail('jr_200:reminder:1'));
    await mailer.send(inviteMail('jr_200:reminder:1'));
    await mailer.send(inviteMail('jr_200:reminder:2'));
    await mailer.close();
    const sent = smtp.messages.filter((m) => m.idempotencyKey?.startsWith('jr_200:'));
    expect(sent).toHaveLength(3);
    expect(sent[0]?.messageId).toBe(sent[1]?.messageId);
    expect(sent[2]?.messageId).not.toBe(sent[0]?.messageId);
    expect(sent[0]?.messageId).toMatch(/@mail\.acme\.example>$/);
  });

  it('keeps a hostile name inert in the HTML part and encoded in headers', async () => {
    const mailer = createMailer({ transport: createSmtpTransport({ url: smtp.url }) });
    await mailer.send(inviteMail('jr_300:invite', 'x@candidates.example', XSS));
    await mailer.close();
    const msg = await smtp.waitFor((m) => m.idempotencyKey === 'jr_300:invite');
    const html = msg.parts.find((p) => p.contentType === 'text/html')?.body ?? '';
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('carries non-ASCII names through encoded headers and bodies', async () => {
    const mailer = createMailer({ transport: createSmtpTransport({ url: smtp.url }) });
    const content = renderGraderRequest(branding, {
      graderName: 'Zoë',
      candidateName: 'Łukasz Żółć',
      testName: 'Backend',
      linkUrl: 'https://tests.example/g/1',
    });
    await mailer.send(
      composeMail({
        branding,
        to: { name: 'Zoë Ørsted', address: 'zoe@acme.example' },
        idempotencyKey: 'jr_310:grader-request',
        content,
      }),
    );
    await mailer.close();
    const msg = await smtp.waitFor((m) => m.idempotencyKey === 'jr_310:grader-request');
    expect(msg.subject).toBe('Grading requested: Łukasz Żółć, Backend');
    expect(msg.headers['to']).toBe('Zoë Ørsted <zoe@acme.example>');
    expect(msg.parts.find((p) => p.contentType === 'text/plain')?.body).toContain(
      'Łukasz Żółć has submitted',
    );
  });

  it('test server waitFor times out with a clear error', async () => {
    await expect(smtp.waitFor(() => false, 50)).rejects.toThrow(/No matching message within 50 ms/);
  });

  it('surfaces a 550 recipient rejection as a PermanentMailError', async () => {
    const logger = recordingLogger();
    const mailer = createMailer({ transport: createSmtpTransport({ url: smtp.url }), logger });
    const err = await mailer
      .send(inviteMail('jr_400:invite', 'gone@candidates.example'))
      .catch((e: unknown) => e);
    await mailer.close();
    expect(err).toBeInstanceOf(PermanentMailError);
    expect(err).toMatchObject({
      name: 'PermanentMailError',
      retryable: false,
      smtpCode: 550,
      idempotencyKey: 'jr_400:invite',
    });
    expect(logger.lines.at(-1)?.level).toBe('error');
    expect(smtp.messages.some((m) => m.idempotencyKey === 'jr_400:invite')).toBe(false);
  });

  it('reports partially rejected recipients without throwing', async () => {
    const logger = recordingLogger();
    const mailer = createMailer({ transport: createSmtpTransport({ url: smtp.url }), logger });
    const mail = {
      ...inviteMail('jr_500:invite'),
      to: [{ address: 'ok@candidates.example' }, { address: 'gone@candidates.example' }],
    };
    const result = await mailer.send(mail);
    await mailer.close();
    expect(result.accepted).toEqual(['ok@candidates.example']);
    expect(result.rejected).toEqual(['gone@candidates.example']);
    expect(logger.lines.some((l) => l.level === 'warn')).toBe(true);
  });
});

describe('SMTP failures classified', () => {
  it('connection refused is retryable', async () => {
    const port = await closedPort();
    const mailer = createMailer({
      transport: createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, timeoutMs: 2_000 }),
    });
    const err = await mailer.send(inviteMail('jr_600:invite')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableMailError);
    expect(err).toMatchObject({ retryable: true, idempotencyKey: 'jr_600:invite' });
    await mailer.close();
  });

  it('a server that never greets times out as retryable', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket)); // accepts, never says 220
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const mailer = createMailer({
        transport: createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, timeoutMs: 300 }),
      });
      const err = await mailer.send(inviteMail('jr_650:invite')).catch((e: unknown) => e);
      await mailer.close();
      expect(err).toBeInstanceOf(RetryableMailError);
      expect(err).toMatchObject({ code: 'ETIMEDOUT' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('a 4xx deferral is retryable', async () => {
    const smtp = createTestSmtpServer({ rejectRecipients: ['busy@candidates.example'], rejectCode: 451 });
    await smtp.start();
    try {
      const mailer = createMailer({ transport: createSmtpTransport({ url: smtp.url }) });
      const err = await mailer
        .send(inviteMail('jr_700:invite', 'busy@candidates.example'))
        .catch((e: unknown) => e);
      await mailer.close();
      expect(err).toBeInstanceOf(RetryableMailError);
      expect(err).toMatchObject({ smtpCode: 451 });
    } finally {
      await smtp.close();
    }
  });

  it.each([
    [{ responseCode: 550 }, false],
    [{ responseCode: 554, code: 'EMESSAGE' }, false],
    [{ responseCode: 503 }, true],
    [{ responseCode: 421 }, true],
    [{ code: 'ETIMEDOUT' }, true],
    [{ code: 'ECONNECTION' }, true],
    [{ code: 'EAUTH' }, false],
    [new Error('something odd'), true],
  ])('classifySmtpError(%o).retryable === %s', (input, retryable) => {
    expect(classifySmtpError(input).retryable).toBe(retryable);
  });
});

describe('mailer validation', () => {
  it('rejects a malformed idempotency key before touching the transport', async () => {
    const store = createInMemoryOutboxStore();
    const mailer = createMailer({ transport: createOutboxTransport({ store }) });
    await expect(
      mailer.send({ ...inviteMail('jr_1:invite'), idempotencyKey: 'no key\r\nBcc: x' }),
    ).rejects.toBeInstanceOf(ZodError);
    expect(await store.list()).toEqual([]);
  });
});

describe('outbox transport', () => {
  it('stores instead of sending, lists newest first, and is idempotent per key', async () => {
    const store = createInMemoryOutboxStore();
    let tick = 0;
    const now = () => new Date(Date.UTC(2025, 0, 1, 12, 0, tick++));
    const mailer = createMailer({ transport: createOutboxTransport({ store, now }) });

    const first = await mailer.send(inviteMail('jr_1:invite'));
    await mailer.send(inviteMail('jr_1:reminder:1'));
    await mailer.send(inviteMail('jr_1:invite'));

    expect(first).toMatchObject({ transport: 'outbox', accepted: ['ana@candidates.example'], rejected: [] });
    const listed = await store.list();
    expect(listed.map((m) => m.idempotencyKey)).toEqual(['jr_1:reminder:1', 'jr_1:invite']);
    expect(listed[1]).toMatchObject({
      messageId: messageIdFor('jr_1:invite'),
      headers: { 'X-Greenroom-Idempotency-Key': 'jr_1:invite' },
      storedAt: '2025-01-01T12:00:00.000Z',
      subject: 'Acme Robotics: your TypeScript Basics assessment',
    });
    expect(listed[1]?.text).toContain('Hi Ana,');
    expect(await store.list({ limit: 1 })).toHaveLength(1);
  });

  it('renders an outbox page with hostile content escaped and HTML bodies sandboxed', async () => {
    const store = createInMemoryOutboxStore();
    const mailer = createMailer({ transport: createOutboxTransport({ store }) });
    await mailer.send(inviteMail('jr_9:invite', 'x@candidates.example', XSS));
    const page = renderOutboxPage(await store.list());
    expect(page).toContain('Outbox (1)');
    expect(page).toContain('jr_9:invite');
    expect(page).toContain('<iframe sandbox');
    expect(page).not.toContain('<script>');
    expect(renderOutboxPage([])).toContain('No mail stored yet.');
  });
});
