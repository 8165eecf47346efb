import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { ManualClock, startSandbox } from '../../greenhouse-sandbox/index.js';
import { basic, call } from './helpers.js';

describe('rate limits per credential and window', () => {
  let sb: Sandbox;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  beforeAll(async () => {
    sb = await startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      clock,
      orgs: [{ candidates: 3 }],
      rateLimit: {
        v1: { limit: 3, windowMs: 1000 },
        v3: { limit: 2, windowMs: 3000 },
        token: { limit: 100 },
      },
    });
  });
  afterAll(async () => sb.close());

  it('v1: X-RateLimit-Limit/Remaining on every answer, then 429 with Retry-After until the window turns', async () => {
    const auth = basic(sb.orgs[0]!.credentials.v1.key);
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${sb.url}/v1/jobs`, { auth });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(r.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await call(`${sb.url}/v1/jobs`, { auth });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    // a second key of the same org has its own budget
    const other = sb.admin.addV1Key(sb.orgs[0]!.org.id);
    expect((await call(`${sb.url}/v1/jobs`, { auth: basic(other.key) })).status).toBe(200);
    clock.advance(1000);
    const again = await call(`${sb.url}/v1/jobs`, { auth });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-ratelimit-remaining')).toBe('2');
  });

  it('v3: its own window, X-RateLimit-Reset (epoch seconds) on every answer', async () => {
    const t = `Bearer ${await sb.v3Token(sb.orgs[0]!)}`;
    const a = await call(`${sb.url}/v3/jobs`, { auth: t });
    expect(a.headers.get('x-ratelimit-limit')).toBe('2');
    const reset = Number(a.headers.get('x-ratelimit-reset'));
    expect(reset * 1000).toBeGreaterThan(clock.now());
    expect(reset * 1000 - clock.now()).toBeLessThanOrEqual(3000);
    await call(`${sb.url}/v3/jobs`, { auth: t });
    const over = await call(`${sb.url}/v3/jobs`, { auth: t });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(3);
  });
});

describe('rate limit on the real clock (1 s window)', () => {
  it('recovers after Retry-After seconds', async () => {
    const sb = await startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      orgs: [{ candidates: 1 }],
      rateLimit: { v1: { limit: 1, windowMs: 1000 } },
    });
    try {
      const auth = basic(sb.orgs[0]!.credentials.v1.key);
      await call(`${sb.url}/v1/users`, { auth });
      let r = await call(`${sb.url}/v1/users`, { auth });
      if (r.status === 200) r = await call(`${sb.url}/v1/users`, { auth }); // crossed a window edge
      expect(r.status).toBe(429);
      await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after')) * 1000));
      expect((await call(`${sb.url}/v1/users`, { auth })).status).toBe(200);
    } finally {
      await sb.close();
    }
  });
});

describe('fault injection and the request log', () => {
  let sb: Sandbox;
  let auth: string;
  beforeAll(async () => {
    // Legacy Harvest v1 (retired by Greenhouse): the "v1 still live" switch is on here.
    sb = await startSandbox({ v1: 'live', orgs: [{ candidates: 5 }], rateLimit: { v1: { limit: 1000 } } });
    auth = basic(sb.orgs[0]!.credentials.v1.key);
  });
  afterAll(async () => sb.close());

  it('fails the next N calls to one route only', async () => {
    const c = sb.orgs[0]!.org.candidates.all()[0]!;
    sb.faults.failNext('GET /v1/candidates/:id', 2, { status: 502 });
    expect((await call(`${sb.url}/v1/jobs`, { auth })).status).toBe(200);
    expect((await call(`${sb.url}/v1/candidates/${c.id}`, { auth })).status).toBe(502);
    expect((await call(`${sb.url}/v1/candidates/${c.id}`, { auth })).status).toBe(502);
    expect((await call(`${sb.url}/v1/candidates/${c.id}`, { auth })).status).toBe(200);
  });

  it('adds latency, 5xx bursts and 429 storms (through the admin HTTP API too)', async () => {
    sb.faults.addLatency(150, { route: '/v1/users', count: 1 });
    const t0 = Date.now();
    await call(`${sb.url}/v1/users`, { auth });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    sb.faults.burst5xx({ count: 2, route: '/v1/*' });
    expect((await call(`${sb.url}/v1/jobs`, { auth })).status).toBe(503);
    expect((await call(`${sb.url}/v1/users`, { auth })).status).toBe(503);
    expect((await call(`${sb.url}/v1/users`, { auth })).status).toBe(200);

    const added = await call(`${sb.url}/_sandbox/faults`, {
      method: 'POST',
      body: { type: 'storm_429', count: 2, retryAfterS: 7 },
    });
    expect(added.status).toBe(200);
    const s = await call(`${sb.url}/v1/jobs`, { auth });
    expect(s.status).toBe(429);
    expect(s.headers.get('retry-after')).toBe('7');
    expect(((await call(`${sb.url}/_sandbox/faults`)).body as unknown[]).length).toBe(1);
    await call(`${sb.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await call(`${sb.url}/v1/jobs`, { auth })).status).toBe(200);
    expect(
      (await call(`${sb.url}/_sandbox/faults`, { method: 'POST', body: { type: 'bogus' } })).status,
    ).toBe(400);
  });

  it('revokes a credential through the admin API', async () => {
    const k = sb.orgs[0]!.credentials.v1;
    expect((await call(`${sb.url}/_sandbox/credentials/${k.id}/revoke`, { method: 'POST' })).status).toBe(
      200,
    );
    expect((await call(`${sb.url}/v1/jobs`, { auth })).status).toBe(401);
    await call(`${sb.url}/_sandbox/credentials/${k.id}/restore`, { method: 'POST' });
    expect((await call(`${sb.url}/v1/jobs`, { auth })).status).toBe(200);
  });

  it('logs requests with status, credential and injected fault, without secrets', async () => {
    sb.requestLog.clear();
    sb.faults.failNext('/v1/jobs', 1, { status: 500 });
    await call(`${sb.url}/v1/jobs`, { auth });
    await call(`${sb.url}/v1/jobs?per_page=2`, { auth });
    const entries = sb.requestLog.list({ api: 'v1', path: '/v1/jobs' });
    expect(entries.map((e) => e.status)).toEqual([500, 200]);
    expect(entries[0]!.fault).toContain('fail next');
    expect(entries[1]).toMatchObject({
      credentialId: sb.orgs[0]!.credentials.v1.id,
      orgId: sb.orgs[0]!.org.id,
      query: { per_page: '2' },
    });
    expect(entries[1]!.headers.authorization).toBe('Basic [redacted]');
    const viaHttp = (await call(`${sb.url}/_sandbox/requests?api=v1&status=200`)).body as unknown[];
    expect(viaHttp.length).toBe(1);
  });
});
