import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';
import { createApiMetrics } from '../../observability/metrics.js';
import { freePort } from '../../temporal/free-port.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { connectTestClient, testDataConverter, uniqueTaskQueue } from '../helpers/temporal.js';
import { readCompose, readRepoFile, serviceEnvironment } from './compose-reading.js';

const run = promisify(execFile);

/**
 * deploy/caddy/Caddyfile and deploy/prometheus/prometheus.yml checked by the programs that read them
 * (Debian's `caddy` and `prometheus` packages: .ci/run installs them). Caddy then runs the very
 * Caddyfile on loopback in front of the real API: only the listener, the certificates and the
 * upstream addresses (Docker's DNS names) are swapped for local ones.
 */
async function tool(name: string, envVar: string): Promise<string> {
  const candidate = process.env[envVar] ?? name;
  try {
    await run(candidate, [name === 'caddy' ? 'version' : '--version']);
    return candidate;
  } catch {
    throw new Error(`${name} is needed by this test: apt-get install -y caddy prometheus (or set ${envVar})`);
  }
}

/** One HTTP exchange with a chosen Host header (fetch cannot set it). */
function request(
  port: number,
  options: { host: string; method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: options.host, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Swaps, in Caddy's JSON config, what only exists in the compose network for loopback parts. */
function toLoopback(config: unknown, listen: string, upstreams: Record<string, string>): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.handler === 'reverse_proxy') {
      const dynamic = o.dynamic_upstreams as { name: string; port: string } | undefined;
      if (dynamic) {
        o.upstreams = [{ dial: `${dynamic.name}:${dynamic.port}` }];
        delete o.dynamic_upstreams;
      }
      for (const u of (o.upstreams as { dial: string }[] | undefined) ?? []) {
        const target = upstreams[u.dial];
        if (!target) throw new Error(`no loopback stand-in for upstream ${u.dial}`);
        u.dial = target;
      }
    }
    Object.values(o).forEach(walk);
  };
  const c = config as {
    admin?: unknown;
    apps: { http: { servers: Record<string, Record<string, unknown>> }; tls?: unknown };
  };
  walk(c.apps.http);
  for (const server of Object.values(c.apps.http.servers)) {
    server.listen = [listen];
    server.automatic_https = { disable: true };
  }
  delete c.apps.tls;
  c.admin = { disabled: true };
}

describe('the TLS proxy and Prometheus configuration', () => {
  let caddy: string;
  let workDir: string;
  let caddyEnv: Record<string, string>;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    caddy = await tool('caddy', 'CADDY_PATH');
    workDir = await mkdtemp(path.join(tmpdir(), 'greenroom-proxy-'));
    const hash = (await run(caddy, ['hash-password', '--plaintext', password])).stdout.trim();
    // Caddy's environment exactly as compose builds it from an operator's .env.
    caddyEnv = serviceEnvironment(readCompose().services.caddy!, {
      GREENROOM_DOMAIN: 'assess.example.com',
      TEMPORAL_UI_DOMAIN: 'temporal.example.com',
      ACME_EMAIL: 'ops@example.com',
      TEMPORAL_UI_PASSWORD_HASH: hash,
      TEMPORAL_UI_CODEC_KEY: TEST_OPERATOR_KEY,
    });
  });
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('caddy validates the Caddyfile', async () => {
    const { stdout } = await run(
      caddy,
      ['validate', '--config', path.join(repoRoot, 'deploy/caddy/Caddyfile'), '--adapter', 'caddyfile'],
      { env: { ...process.env, ...caddyEnv } },
    );
    expect(stdout).toContain('Valid configuration');
  });

  it('promtool accepts prometheus.yml (the token file where compose mounts the secret)', async () => {
    const promtool = await tool('promtool', 'PROMTOOL_PATH');
    const token = path.join(workDir, 'prometheus_metrics_key');
    await writeFile(token, 'x'.repeat(32));
    const config = path.join(workDir, 'prometheus.yml');
    const original = readRepoFile('deploy/prometheus/prometheus.yml');
    expect(original).toContain('/run/secrets/prometheus_metrics_key');
    await writeFile(config, original.replaceAll('/run/secrets/prometheus_metrics_key', token));
    const { stdout } = await run(promtool, ['check', 'config', config]);
    expect(stdout).toContain('SUCCESS');
  });

  describe('Caddy in front of the real API and a stand-in Temporal UI', () => {
    let database: TestDatabase;
    let temporal: Client;
    let api: Awaited<ReturnType<typeof startTestApi>>;
    let ui: http.Server;
    const uiRequests: http.IncomingHttpHeaders[] = [];
    let proxy: ChildProcess;
    let port: number;
    const apiMetrics = createApiMetrics();
    /** Requests the API answered so far (its own counter). */
    const apiRequests = async () =>
      (await apiMetrics.requests.get()).values.reduce((sum, v) => sum + v.value, 0);

    beforeAll(async () => {
      database = await createTestDatabase();
      temporal = await connectTestClient();
      api = await startTestApi({
        db: database.db,
        temporal,
        taskQueue: uniqueTaskQueue('proxy'),
        temporalUiOrigins: ['https://temporal.example.com'],
        metrics: apiMetrics,
      });
      ui = http.createServer((req, res) => {
        uiRequests.push(req.headers);
        res.end('temporal ui');
      });
      await new Promise<void>((resolve) => ui.listen(0, '127.0.0.1', resolve));
      const uiAddress = `127.0.0.1:${(ui.address() as AddressInfo).port}`;

      const { stdout } = await run(
        caddy,
        ['adapt', '--config', path.join(repoRoot, 'deploy/caddy/Caddyfile'), '--adapter', 'caddyfile'],
        { env: { ...process.env, ...caddyEnv } },
      );
      const config = JSON.parse(stdout) as unknown;
      port = await freePort();
      toLoopback(config, `127.0.0.1:${port}`, {
        'api:3000': new URL(api.url).host,
        'temporal-ui:8080': uiAddress,
      });
      const file = path.join(workDir, 'caddy.json');
      await writeFile(file, JSON.stringify(config));
      proxy = spawn(caddy, ['run', '--config', file], {
        stdio: 'ignore',
        env: { ...process.env, HOME: workDir, XDG_DATA_HOME: workDir, XDG_CONFIG_HOME: workDir },
      });
      for (let i = 0; ; i++) {
        const up = await request(port, { host: 'assess.example.com', path: '/healthz' }).catch(() => null);
        if (up) break;
        if (i > 100) throw new Error('caddy did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    afterAll(async () => {
      proxy?.kill('SIGTERM');
      ui?.close();
      await api?.close();
      await temporal?.connection.close();
      await database?.drop();
    });

    const basic = (user: string, pass: string) =>
      `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

    it('serves the API on GREENROOM_DOMAIN', async () => {
      const res = await request(port, { host: 'assess.example.com', path: '/healthz' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'ok' });
    });

    it('answers nothing of the Temporal UI host before the login', async () => {
      const before = await apiRequests();
      for (const target of ['/', '/namespaces/default/workflows', '/codec/decode']) {
        const anonymous = await request(port, { host: 'temporal.example.com', path: target });
        expect(anonymous.status, target).toBe(401);
        expect(anonymous.headers['www-authenticate'], target).toMatch(/^Basic/);
      }
      // A wrong password (one check: each costs a bcrypt hash at Caddy's cost 14).
      const wrong = await request(port, {
        host: 'temporal.example.com',
        method: 'POST',
        path: '/codec/decode',
        headers: { authorization: basic('operator', 'wrong') },
      });
      expect(wrong.status).toBe(401);
      // Caddy refused them all: neither the UI nor the API saw a request.
      expect(uiRequests).toHaveLength(0);
      expect(await apiRequests()).toBe(before);
      const ok = await request(port, {
        host: 'temporal.example.com',
        path: '/',
        headers: { authorization: basic('operator', password) },
      });
      expect(ok).toMatchObject({ status: 200, body: 'temporal ui' });
      expect(uiRequests).toHaveLength(1);
    });

    it('replaces the X-Forwarded-For a client sends (what TRUST_PROXY relies on)', async () => {
      // One Caddy server serves both host names with the same proxy defaults; the stand-in UI
      // shows what an upstream receives.
      const res = await request(port, {
        host: 'temporal.example.com',
        path: '/',
        headers: { authorization: basic('operator', password), 'x-forwarded-for': '6.6.6.6' },
      });
      expect(res.status).toBe(200);
      expect(uiRequests.at(-1)!['x-forwarded-for']).toBe('127.0.0.1');
    });

    it("decodes journeys for a logged-in operator through the API's codec, with the codec key", async () => {
      // A journey payload as the worker stores it in Temporal: encrypted with the payload keys.
      const [sealed] = await testDataConverter().codec.encode([
        defaultPayloadConverter.toPayload({ journeyId: 'assessment:t1:app-1:js-basics' }),
      ]);
      const body = JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
            ),
            data: Buffer.from(sealed!.data!).toString('base64'),
          },
        ],
      });
      const res = await request(port, {
        host: 'temporal.example.com',
        method: 'POST',
        path: '/codec/decode',
        headers: {
          authorization: basic('operator', password),
          'content-type': 'application/json',
          origin: 'https://temporal.example.com',
        },
        body,
      });
      expect(res.status).toBe(200);
      const decoded = (JSON.parse(res.body) as { payloads: { data: string }[] }).payloads[0]!;
      expect(JSON.parse(Buffer.from(decoded.data, 'base64').toString('utf8'))).toEqual({
        journeyId: 'assessment:t1:app-1:js-basics',
      });
      expect(res.headers['access-control-allow-origin']).toBe('https://temporal.example.com');
    });
  });
});
