import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import { seedOrg } from '../../greenhouse-sandbox/seed.js';
import { CredentialStore } from '../../greenhouse-sandbox/credentials.js';
import { SandboxState } from '../../greenhouse-sandbox/store.js';
import { systemClock } from '../../greenhouse-sandbox/clock.js';
import { VALUE_TYPES } from '../../greenhouse-sandbox/model.js';
import { basic, call, links } from './helpers.js';

const N = 10_000;
let sb: Sandbox;
let seedMs = 0;

beforeAll(async () => {
  const t0 = performance.now();
  sb = await startSandbox({
    // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
    v1: 'live',
    orgs: [{ candidates: N, jobs: 6 }, { candidates: 5 }],
    rateLimit: { v1: { limit: 100_000 }, v3: { limit: 100_000 } },
  });
  seedMs = performance.now() - t0;
});
afterAll(async () => sb.close());

describe('seed', () => {
  it(`seeds ${N} candidates in seconds`, () => {
    console.log(`[sandbox] startSandbox with ${N} + 5 candidates: ${seedMs.toFixed(0)} ms`);
    expect(sb.orgs[0]!.org.candidates.size).toBe(N);
    expect(sb.orgs[0]!.org.applications.size).toBeGreaterThanOrEqual(N);
    expect(seedMs).toBeLessThan(5000);
  });

  it('is deterministic and gives each org a site admin, a disabled user and a field of every value type', () => {
    const make = () => {
      const state = new SandboxState(systemClock);
      const creds = new CredentialStore(systemClock, { access: 1, refresh: 1, code: 1 });
      return seedOrg(state, creds, { candidates: 50 }, 0);
    };
    const a = make();
    const b = make();
    const view = (s: ReturnType<typeof make>) =>
      JSON.stringify({
        c: s.org.candidates.all().map((c) => [c.id, c.firstName, c.lastName, c.emails, c.applicationIds]),
        a: s.org.applications.all().map((x) => [x.id, x.jobId, x.stageId]),
        k: s.credentials.v1.key,
      });
    expect(view(a)).toBe(view(b));
    expect(a.siteAdmin.siteAdmin).toBe(true);
    expect(a.org.users.all().some((u) => u.disabled)).toBe(true);
    for (const t of ['candidate', 'application'] as const) {
      expect(
        new Set(
          a.org.customFields
            .all()
            .filter((f) => f.fieldType === t)
            .map((f) => f.valueType),
        ),
      ).toEqual(new Set(VALUE_TYPES));
    }
  });
});

describe(`paged listing of all ${N} candidates`, () => {
  const expected = () => sb.orgs[0]!.org.candidates.all().map((c) => c.id);

  it('v1: page/per_page=500 following Link rel="next"', async () => {
    const auth = basic(sb.orgs[0]!.credentials.v1.key);
    const t0 = performance.now();
    const ids: number[] = [];
    let url: string | undefined = `${sb.url}/v1/candidates?per_page=500`;
    let pages = 0;
    while (url) {
      const r = await call(url, { auth });
      expect(r.status).toBe(200);
      ids.push(...(r.body as { id: number }[]).map((c) => c.id));
      url = links(r.headers.get('link')).next;
      pages++;
    }
    console.log(
      `[sandbox] v1 full listing: ${pages} pages, ${ids.length} candidates, ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(pages).toBe(N / 500);
    expect(ids).toEqual(expected());
  });

  it('v3: cursor paging with per_page=500 following Link rel="next"', async () => {
    const auth = `Bearer ${await sb.v3Token(sb.orgs[0]!)}`;
    const t0 = performance.now();
    const ids: number[] = [];
    let url: string | undefined = `${sb.url}/v3/candidates?per_page=500`;
    let pages = 0;
    while (url) {
      const r = await call(url, { auth });
      expect(r.status).toBe(200);
      ids.push(...(r.body as { id: number }[]).map((c) => c.id));
      url = links(r.headers.get('link')).next;
      pages++;
    }
    console.log(
      `[sandbox] v3 full listing: ${pages} pages, ${ids.length} candidates, ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(pages).toBe(N / 500);
    expect(ids).toEqual(expected().reverse()); // v3 lists run by id descending
  });

  it('e-mail look-up stays an index hit at this size', async () => {
    const c = sb.orgs[0]!.org.candidates.all()[9_999]!;
    const t = `Bearer ${await sb.v3Token(sb.orgs[0]!)}`;
    const r = await call(`${sb.url}/v3/candidates?email=${encodeURIComponent(c.emails[0]!.value)}`, {
      auth: t,
    });
    expect((r.body as { id: number }[]).map((x) => x.id)).toEqual([c.id]);
  });
});
