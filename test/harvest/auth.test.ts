import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import { ManualClock, startSandbox, V3_SCOPES } from '../../greenhouse-sandbox/index.js';
import {
  createHarvestClient,
  MemoryRateBudgetStore,
  MemoryTokenStore,
  RateBudget,
  V3AuthorizationCodeAuth,
} from '../../greenhouse/harvest/index.js';
import { sandboxClient } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokenCalls = (sb: Sandbox, credentialId: string) =>
  sb.requestLog.list({ api: 'token', path: '/token', credentialId });

describe('v3 tokens on the real clock (access tokens live 2 s)', () => {
  let sb: Sandbox;
  let org: SeededOrg;
  beforeAll(async () => {
    sb = await startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      orgs: [{ candidates: 20 }],
      tokens: { access: 2000 },
      rateLimit: { v3: { limit: 10_000, windowMs: 1000 }, token: { limit: 100, windowMs: 1000 } },
    });
    org = sb.orgs[0]!;
  });
  afterAll(async () => sb?.close());

  // The lifetime comes from `expires_at` (today's answer) or `expires_in` (the older reading): both work.
  it.each(['expires_at', 'expires_in'] as const)(
    'client credentials (%s): cached until shortly before expiry, then ONE token request for 12 concurrent calls',
    async (reading) => {
      sb.settings.tokenAnswer = reading;
      const cred = sb.admin.addV3Client(org.org.id);
      const client = sandboxClient(sb, org, 'v3', {
        refreshSkewMs: 300,
        clientId: cred.clientId,
        clientSecret: cred.clientSecret,
      });
      const apps = org.org.applications.all().slice(0, 12);
      await client.getApplication(apps[0]!.id);
      await Promise.all(apps.map((a) => client.getApplication(a.id)));
      expect(tokenCalls(sb, cred.id)).toHaveLength(1);
      await sleep(1800); // past expiry minus skew, before the real expiry
      const got = await Promise.all(apps.map((a) => client.getApplication(a.id)));
      expect(got.map((a) => a.id)).toEqual(apps.map((a) => a.id));
      const calls = tokenCalls(sb, cred.id);
      expect(calls).toHaveLength(2);
      expect(calls.every((c) => c.status === 200)).toBe(true);
      expect(calls[1]!.body).toMatchObject({
        grant_type: 'client_credentials',
        sub: String(org.siteAdmin.id),
      });
      // no call was answered 401: the token was renewed before it expired
      expect(sb.requestLog.list({ api: 'v3', status: 401, credentialId: cred.id })).toHaveLength(0);
      sb.settings.tokenAnswer = 'expires_at';
    },
  );

  it('authorization code: the refresh token is stored, rotated once under concurrency, and the old one is spent', async () => {
    const partner = sb.admin.addV3Client(org.org.id, { integration: 'partner' });
    const redirectUri = 'https://vendor.example/callback';
    const authorize = await fetch(
      `${sb.url}/authorize?${new URLSearchParams({ client_id: partner.clientId, response_type: 'code', redirect_uri: redirectUri, state: 'xyz', scope: V3_SCOPES.join(' ') })}`,
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
    const store = new MemoryTokenStore();
    const common = {
      tokenUrl: `${sb.url}/token`,
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
    };
    await new V3AuthorizationCodeAuth({ ...common, tokenStore: store }).exchangeCode(code, redirectUri);
    const first = (await store.load())!;
    expect(first.refreshToken).toBeTruthy();

    const client = createHarvestClient({
      baseUrl: sb.url,
      budget: new MemoryRateBudgetStore(),
      windowMs: 1000,
      refreshSkewMs: 300,
      credentials: {
        kind: 'v3_authorization_code',
        ...common,
        tokenStore: store,
        auditUserId: org.siteAdmin.id,
      },
    });
    const apps = org.org.applications.all().slice(0, 10);
    await client.getApplication(apps[0]!.id); // uses the stored access token: no refresh
    expect(tokenCalls(sb, partner.id)).toHaveLength(1);
    await sleep(1800);
    await Promise.all(apps.map((a) => client.getApplication(a.id)));
    const calls = tokenCalls(sb, partner.id);
    expect(calls.map((c) => (c.body as { grant_type: string }).grant_type)).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    const second = (await store.load())!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // the replaced refresh token is spent (rotation)
    const reuse = await fetch(`${sb.url}/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refreshToken }),
    });
    expect(reuse.status).toBe(400);
  });

  it('two processes refreshing the same rotating token at once both end up with a working token', async () => {
    const partner = sb.admin.addV3Client(org.org.id, { integration: 'partner' });
    const redirectUri = 'https://vendor.example/callback';
    const authorize = await fetch(
      `${sb.url}/authorize?${new URLSearchParams({ client_id: partner.clientId, response_type: 'code', redirect_uri: redirectUri, scope: V3_SCOPES.join(' ') })}`,
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
    const store = new MemoryTokenStore(); // stands in for the shared GreenhouseConnection row
    const common = {
      tokenUrl: `${sb.url}/token`,
      clientId: partner.clientId,
      clientSecret: partner.clientSecret,
    };
    await new V3AuthorizationCodeAuth({ ...common, tokenStore: store }).exchangeCode(code, redirectUri);
    await sleep(1800);
    const make = () =>
      createHarvestClient({
        baseUrl: sb.url,
        budget: new RateBudget(new MemoryRateBudgetStore()),
        windowMs: 1000,
        refreshSkewMs: 300,
        credentials: { kind: 'v3_authorization_code', ...common, tokenStore: store },
      });
    const [a, b] = [make(), make()];
    const app = org.org.applications.all()[0]!;
    const results = await Promise.all([a.getApplication(app.id), b.getApplication(app.id)]);
    expect(results.map((r) => r.id)).toEqual([app.id, app.id]);
    const refreshes = tokenCalls(sb, partner.id).filter(
      (c) => (c.body as { grant_type: string }).grant_type === 'refresh_token',
    );
    // one rotation succeeded; a loser (if both raced) got invalid_grant and took the winner's tokens
    expect(refreshes.filter((c) => c.status === 200)).toHaveLength(1);
    console.log(
      `[harvest] concurrent refresh by two processes: ${refreshes.map((c) => c.status).join(', ')}`,
    );
  });
});

describe('v3 token rejected by the server before the client expected it', () => {
  let sb: Sandbox;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    sb = await startSandbox({
      v1: 'live',
      clock,
      orgs: [{ candidates: 20 }],
      rateLimit: { v3: { limit: 10_000 } },
    });
  });
  afterAll(async () => sb?.close());

  it('twelve concurrent 401s cause exactly one new token, then every call succeeds', async () => {
    const org = sb.orgs[0]!;
    const client = sandboxClient(sb, org, 'v3');
    const apps = org.org.applications.all().slice(0, 12);
    await client.getApplication(apps[0]!.id);
    clock.advance(2 * 3_600_000); // the sandbox now sees the 1 h token as expired; the client does not
    const got = await Promise.all(apps.map((a) => client.getApplication(a.id)));
    expect(got).toHaveLength(12);
    expect(sb.requestLog.list({ api: 'v3', status: 401 }).length).toBeGreaterThanOrEqual(1);
    expect(tokenCalls(sb, org.credentials.v3.id)).toHaveLength(2);
  });
});
