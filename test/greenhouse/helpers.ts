import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** the exact bytes received */
  raw: Buffer;
}

/** A tiny HTTP server that keeps the raw bytes of every request and answers through `handler`. */
export class CaptureServer {
  readonly received: Captured[] = [];
  private server: Server | null = null;
  url = '';

  constructor(
    private readonly handler: (req: Captured, res: ServerResponse) => void = (_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    },
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://localhost');
        const c: Captured = {
          method: req.method ?? '',
          path: u.pathname + u.search,
          headers: req.headers,
          raw: Buffer.concat(chunks),
        };
        this.received.push(c);
        this.handler(c, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const basic = (user: string, pass = ''): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
