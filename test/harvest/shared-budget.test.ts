import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../db/client.js';
import type { Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import type { LoggedRequest } from '../../greenhouse-sandbox/request-log.js';
import type { HarvestClient } from '../../greenhouse/harvest/index.js';
import { PostgresRateBudgetStore, RateBudget } from '../../greenhouse/harvest/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { sandboxClient, type Version } from './helpers.js';

/**
 * Four callers share one credential: two "worker processes" (separate Prisma clients, each with its
 * own budget object) run two client instances each, against one PostgreSQL budget row.
 */
const LIMIT = 8;
const WINDOW = 1000;
const CALLS = 6; // per caller

let sb: Sandbox;
let org: SeededOrg;
let database: TestDatabase;
let worker2: Database;

beforeAll(async () => {
  [sb, database] = await Promise.all([
    startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      orgs: [{ candidates: 40 }],
      rateLimit: {
        v1: { limit: LIMIT, windowMs: WINDOW },
        v3: { limit: LIMIT, windowMs: WINDOW },
        token: { limit: 100, windowMs: WINDOW },
      },
    }),
    createTestDatabase(),
  ]);
  org = sb.orgs[0]!;
  worker2 = createDatabase({ url: database.url, poolSize: 5 });
});
afterAll(async () => {
  await worker2?.$disconnect();
  await sb?.close();
  await database?.drop();
});

interface Credential {
  id: string;
  opts: { apiKey?: string; clientId?: string; clientSecret?: string };
  /** an Authorization header for calls made outside our client ("another integration") */
  foreignAuth: () => Promise<string>;
}

async function freshCredential(version: Version): Promise<Credential> {
  if (version === 'v1') {
    const k = sb.admin.addV1Key(org.org.id);
    return { id: k.id, opts: { apiKey: k.key }, foreignAuth: async () => sb.v1AuthHeader(k.key) };
  }
  const c = sb.admin.addV3Client(org.org.id);
  return {
    id: c.id,
    opts: { clientId: c.clientId, clientSecret: c.clientSecret },
    foreignAuth: async () => {
      const res = await fetch(`${sb.url}/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', sub: String(org.siteAdmin.id) }),
      });
      return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
    },
  };
}

/** Two processes × two clients, all on one credential and one PostgreSQL budget. */
function fourCallers(version: Version, cred: Credential): HarvestClient[] {
  const processes = [database.db, worker2].map(
    (db) => new RateBudget(new PostgresRateBudgetStore(db), { pollMs: 50 }),
  );
  return [0, 1, 2, 3].map((i) =>
    sandboxClient(sb, org, version, { ...cred.opts, budget: processes[i % 2]! }),
  );
}

async function run(callers: HarvestClient[]): Promise<number> {
  const apps = org.org.applications.all();
  const t0 = performance.now();
  await Promise.all(
    callers.flatMap((c, i) =>
      Array.from({ length: CALLS }, (_, k) => c.getApplication(apps[(i * CALLS + k) % apps.length]!.id)),
    ),
  );
  return performance.now() - t0;
}

/** Requests the sandbox counted per fixed window (its own alignment). */
function perWindow(entries: LoggedRequest[]): number[] {
  const counts = new Map<number, number>();
  for (const e of entries) {
    if (e.status === 429) continue;
    const w = Math.floor(e.at / WINDOW);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts.values()];
}

describe.each<Version>(['v1', 'v3'])('one shared rate budget per credential (%s)', (version) => {
  it('four concurrent callers in two processes: zero 429s, never more than the limit in a window', async () => {
    const cred = await freshCredential(version);
    const ms = await run(fourCallers(version, cred));
    const log = sb.requestLog.list({ api: version, credentialId: cred.id });
    const windows = perWindow(log);
    console.log(
      `[harvest] ${version}: ${log.length} requests by 4 callers in ${ms.toFixed(0)} ms; per sandbox window ${windows.join('/')} (limit ${LIMIT}/${WINDOW} ms)`,
    );
    expect(log).toHaveLength(4 * CALLS);
    expect(log.filter((e) => e.status === 429)).toHaveLength(0);
    expect(Math.max(...windows)).toBeLessThanOrEqual(LIMIT);
    // and the budget is used, not wasted: ≈ LIMIT per window
    // (Generous: a loaded 2-core machine adds seconds; a wasted budget would take several windows more.)
    expect(ms).toBeLessThan(((4 * CALLS) / LIMIT + 4) * WINDOW);
  });

  it('when another integration already spent the window: one 429 teaches everyone, who wait out Retry-After', async () => {
    const cred = await freshCredential(version);
    const auth = await cred.foreignAuth();
    // "another integration" of the customer spends the whole window with the same credential
    let foreign = 0;
    for (;;) {
      const r = await fetch(`${sb.url}/${version}/jobs`, { headers: { Authorization: auth } });
      await r.arrayBuffer();
      if (r.status === 429) break;
      foreign++;
    }
    expect(foreign).toBeGreaterThan(0);
    const mark = sb.requestLog.list({ api: version, credentialId: cred.id }).length;
    const ms = await run(fourCallers(version, cred));
    const ours = sb.requestLog.list({ api: version, credentialId: cred.id }).slice(mark);
    const tooMany = ours.filter((e) => e.status === 429);
    console.log(
      `[harvest] ${version}: window pre-spent by another integration; ${ours.length} requests, ${tooMany.length} answered 429, ${ms.toFixed(0)} ms`,
    );
    expect(tooMany.length).toBeLessThanOrEqual(1);
    expect(ours.filter((e) => e.status === 200)).toHaveLength(4 * CALLS);
    if (tooMany[0]) {
      // nobody sharing the credential called before Retry-After (whole seconds, here 1 s) had passed
      const after = ours.filter((e) => e.seq > tooMany[0]!.seq);
      expect(Math.min(...after.map((e) => e.at)) - tooMany[0].at).toBeGreaterThanOrEqual(1000 - 50);
    }
    const all = sb.requestLog.list({ api: version, credentialId: cred.id });
    expect(Math.max(...perWindow(all))).toBeLessThanOrEqual(LIMIT);
  });
});

describe('a 429 storm without rate headers (fault injection, Retry-After 1 s)', () => {
  it('pauses all four callers once per 429, with no tight loop', async () => {
    const cred = await freshCredential('v3');
    const callers = fourCallers('v3', cred);
    await callers[0]!.getApplication(org.org.applications.all()[0]!.id); // limit learned
    const mark = sb.requestLog.list({ api: 'v3', credentialId: cred.id }).length;
    const markSeq = sb.requestLog.list().at(-1)?.seq ?? 0;
    sb.faults.storm429({ route: 'GET /v3/applications', count: 2, retryAfterS: 1 });
    const ms = await run(callers);
    // injected answers come before authentication: they carry no credential in the log
    const after = sb.requestLog.list({ api: 'v3', path: '/v3/applications' }).filter((e) => e.seq > markSeq);
    const storm = after.filter((e) => e.status === 429 && e.fault);
    expect(storm).toHaveLength(2);
    // after each injected 429, only requests already in flight arrived (within moments); nobody
    // sent a new one until Retry-After had passed
    for (const s of storm) {
      const during = after.filter((e) => e.at > s.at + 300 && e.at < s.at + 950);
      expect(during).toEqual([]);
    }
    expect(after.filter((e) => e.status === 429)).toHaveLength(2);
    const mine = sb.requestLog.list({ api: 'v3', credentialId: cred.id }).slice(mark);
    expect(mine.filter((e) => e.status === 200)).toHaveLength(4 * CALLS);
    console.log(`[harvest] v3 storm of 2 injected 429s: ${ms.toFixed(0)} ms for ${4 * CALLS} calls`);
  });
});
