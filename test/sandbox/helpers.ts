import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

export { greenhouseFixture as fixture } from '../helpers/fixtures.js';

export const basic = (user: string, pass = ''): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

export interface Call {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function call(
  url: string,
  init: {
    method?: string;
    auth?: string;
    body?: unknown;
    headers?: Record<string, string>;
    form?: Record<string, string>;
  } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth) headers.Authorization = init.auth;
  let body: string | undefined;
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(body !== undefined ? { body } : {}),
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Parse `<url>; rel="next", <url>; rel="last"` into a map. */
export function links(h: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (h ?? '').split(',')) {
    const m = /<([^>]+)>;\s*rel="(\w+)"/.exec(part.trim());
    if (m?.[1] && m[2]) out[m[2]] = m[1];
  }
  return out;
}

/**
 * Every key of the fixture object exists in `actual`, recursively where both sides are non-null
 * objects (first element of arrays). Maps keyed by data (custom fields, metadata) are not compared.
 */
export function expectShape(
  actual: unknown,
  fx: unknown,
  path = '$',
  skip: readonly string[] = ['custom_fields', 'keyed_custom_fields', 'metadata', 'rejection_details'],
): void {
  if (fx === null || actual === null || typeof fx !== 'object' || typeof actual !== 'object') return;
  if (Array.isArray(fx)) {
    expect(Array.isArray(actual), `${path} should be an array`).toBe(true);
    if (fx.length && (actual as unknown[]).length)
      expectShape((actual as unknown[])[0], fx[0], `${path}[0]`, skip);
    return;
  }
  for (const [k, v] of Object.entries(fx as Record<string, unknown>)) {
    expect(Object.prototype.hasOwnProperty.call(actual, k), `${path}.${k} missing`).toBe(true);
    if (!skip.includes(k)) expectShape((actual as Record<string, unknown>)[k], v, `${path}.${k}`, skip);
  }
}

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

/** A tiny HTTP server standing in for our side (partner API or webhook endpoint). */
export class FakeServer {
  readonly received: Received[] = [];
  url = '';
  private server: Server | null = null;

  constructor(private handler: (r: Received, res: ServerResponse) => void) {}

  setHandler(h: (r: Received, res: ServerResponse) => void): void {
    this.handler = h;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const r: Received = {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          raw: Buffer.concat(chunks),
        };
        this.received.push(r);
        this.handler(r, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
