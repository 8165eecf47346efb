import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import { basic, call } from './helpers.js';

type Json = Record<string, unknown>;

describe('admin HTTP API', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ orgs: [], v1: 'live' }); // legacy v1 kept live;
  });
  afterAll(async () => sb.close());

  it('creates an organisation and credentials a test can use at once', async () => {
    const created = await call(`${sb.url}/_sandbox/orgs`, {
      method: 'POST',
      body: { name: 'Acme', candidates: 4, plan: 'standard' },
    });
    expect(created.status).toBe(200);
    const o = created.body as {
      id: number;
      siteAdminId: number;
      credentials: { v1: { key: string }[]; v3: { clientId: string; clientSecret: string }[] };
    };
    expect(o).toMatchObject({ name: 'Acme', plan: 'standard', candidateCount: 4 });
    expect(
      (await call(`${sb.url}/v1/candidates`, { auth: basic(o.credentials.v1[0]!.key) })).body,
    ).toHaveLength(4);

    const k = await call(`${sb.url}/_sandbox/orgs/${o.id}/credentials/v1`, {
      method: 'POST',
      body: { permissions: ['Jobs: List'] },
    });
    const key = (k.body as Json).key as string;
    expect((await call(`${sb.url}/v1/jobs`, { auth: basic(key) })).status).toBe(200);
    expect((await call(`${sb.url}/v1/users`, { auth: basic(key) })).status).toBe(401);
    expect(
      (
        await call(`${sb.url}/_sandbox/orgs/${o.id}/credentials/v1`, {
          method: 'POST',
          body: { permissions: ['Everything'] },
        })
      ).status,
    ).toBe(400);

    const c = (
      await call(`${sb.url}/_sandbox/orgs/${o.id}/credentials/v3`, {
        method: 'POST',
        body: { scopes: ['harvest:jobs:list'] },
      })
    ).body as Json;
    const t = await call(`${sb.url}/token`, {
      method: 'POST',
      auth: basic(c.clientId as string, c.clientSecret as string),
      form: { grant_type: 'client_credentials', sub: String(o.siteAdminId) },
    });
    expect(t.body).toMatchObject({ scope: 'harvest:jobs:list' });
    expect((await call(`${sb.url}/_sandbox/orgs/999`)).status).toBe(404);
    const perms = (await call(`${sb.url}/_sandbox/permissions`)).body as { v1: string[]; v3: string[] };
    expect(perms.v3).toContain('harvest:applications:update');
  });

  it('configures the integration with validation', async () => {
    const org = sb.admin.createOrg({ candidates: 1 });
    const bad = await call(`${sb.url}/_sandbox/orgs/${org.id}/integration`, {
      method: 'PUT',
      body: { partnerApi: { baseUrl: 'nope', apiKey: 'k' } },
    });
    expect(bad.status).toBe(400);
    const ok = await call(`${sb.url}/_sandbox/orgs/${org.id}/integration`, {
      method: 'PUT',
      body: {
        partnerApi: { baseUrl: 'http://127.0.0.1:9/partner', apiKey: 'k' },
        callbackAuth: { kind: 'bearer', token: 'tok' },
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ partnerApi: { apiKey: 'k' }, callbackAuth: { kind: 'bearer' } });
  });
});

describe('standalone mode (npm run sandbox)', () => {
  it('starts, seeds, prints credentials that work, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], {
      cwd: process.cwd(),
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_CANDIDATES: '20', SANDBOX_V1: 'live' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const summary = await new Promise<{ url: string; orgs: { v1Key: string; candidates: number }[] }>(
        (resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no summary: ${out}`)), 30_000);
          child.stdout.on('data', (b: Buffer) => {
            out += b.toString();
            try {
              const parsed = JSON.parse(out) as {
                url: string;
                orgs: { v1Key: string; candidates: number }[];
              };
              clearTimeout(timer);
              resolve(parsed);
            } catch {
              /* incomplete */
            }
          });
          child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
        },
      );
      expect(summary.orgs[0]!.candidates).toBe(20);
      const r = await call(`${summary.url}/v1/candidates?per_page=5`, {
        auth: basic(summary.orgs[0]!.v1Key),
      });
      expect(r.status).toBe(200);
      expect(r.body).toHaveLength(5);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
