import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  id: string;
  type: string;
  data: Record<string, unknown> & {
    order_id: string | null;
    sequence: number | null;
    tenant_id: string | null;
  };
  headers: IncomingHttpHeaders;
  raw: string;
}

/**
 * A vendor's endpoint over real HTTP: verifies every request's Standard Webhooks signature with the
 * library, dedupes by webhook-id (counting repeats), and can be down (503) or not listening at all.
 */
export async function startEventReceiver() {
  let secrets: string[] = [];
  let answer: number | 'accept-then-fail' = 200;
  const byId = new Map<string, { event: ReceivedEvent; count: number }>();
  let badSignatures = 0;
  let requests = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (answer !== 200 && answer !== 'accept-then-fail') return void res.writeHead(answer).end();
      const headers = req.headers as Record<string, string>;
      const verified = secrets.some((s) => {
        try {
          new Webhook(s).verify(raw, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!verified) {
        badSignatures++;
        return void res.writeHead(401).end();
      }
      const body = JSON.parse(raw) as { type: string; data: ReceivedEvent['data'] };
      const id = headers['webhook-id']!;
      const seen = byId.get(id);
      if (seen) seen.count++;
      else
        byId.set(id, {
          event: { id, type: body.type, data: body.data, headers: req.headers, raw },
          count: 1,
        });
      // Processed but the answer is lost: the sender must retry with the same id.
      res.writeHead(answer === 'accept-then-fail' ? 500 : 204).end();
    });
  };

  let server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    /** The secrets a request may be signed with (any one verifying is enough). */
    trust(...list: string[]) {
      secrets = list;
    },
    answer(status: number | 'accept-then-fail') {
      answer = status;
    },
    /** Stops listening (connections refused) until `up()`. */
    async down() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async up() {
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    events: () => [...byId.values()].map((v) => v.event),
    counts: () => new Map([...byId].map(([id, v]) => [id, v.count])),
    get badSignatures() {
      return badSignatures;
    },
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Polls until `check` holds (the machine is loaded: generous default). */
export async function eventually<T>(
  check: () => Promise<T | false | null | undefined>,
  timeoutMs = 90_000,
  what = 'condition',
) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
