import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueLink, type LinkPurpose } from '../../journeys/links.js';
import { documentedRoutes } from '../helpers/routes.js';
import type { RouteSpec } from '../../api/openapi/registry.js';
import { safeParseWebhookBody } from '../../greenhouse/webhooks/index.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';

/** Every route of the app, from its declaration (route()), full paths in OpenAPI style. */
const routes = documentedRoutes();

// Property-based fuzzing of every route of the OpenAPI registry (route(): api/openapi/route.ts), each in
// the ways a stranger can reach it: partner API with and without a valid key, webhooks unsigned
// and signed, people's pages with valid and invalid tokens, operator routes without and with a
// valid key, and the public ones. Malformed bodies, headers and query strings must never get a
// 5xx, never start a journey or a workflow, and never write a row (see ALLOWED_WRITES).

const SEED = 0x5eed_2024;
/** Runs per (route, variant); about 100 variants, so ~1,600 requests in all. */
const RUNS = 16;

/**
 * Tables a variant may legitimately write to, and why. Nothing else may change at all (row count
 * and content hash of every table are compared before and after each variant).
 * - webhook_events, for correctly SIGNED webhooks: the replay-protection ledger records every
 *   verified delivery by its Greenhouse-Event-ID, even an unreadable one (`ignored: …`), so a
 *   redelivery is answered as a duplicate.
 * - audit_entries, for operator routes with a VALID key: operator actions are audited whatever the
 *   outcome, refused (4xx) attempts included.
 */
const ALLOWED_WRITES: Record<string, readonly string[]> = {
  'webhook:signed': ['webhook_events'],
  'operator:valid': ['audit_entries'],
};

type Variant =
  | 'public'
  | 'partner:none'
  | 'partner:valid'
  | 'webhook:unsigned'
  | 'webhook:signed'
  | 'link:invalid'
  | 'link:valid'
  | 'operator:none'
  | 'operator:valid'
  | 'integration:none';

const variantsOf = (route: RouteSpec): Variant[] => {
  switch (route.security) {
    case 'none':
      return ['public'];
    case 'partner':
      return ['partner:none', 'partner:valid'];
    case 'webhook':
      return ['webhook:unsigned', 'webhook:signed'];
    case 'link':
      return ['link:invalid', 'link:valid'];
    case 'operator':
      return ['operator:none', 'operator:valid'];
    case 'integration':
      return ['integration:none'];
  }
};

// ---- generators ----

const latin1 = (max: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: max,
  });
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);
const badPercent = fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%80', '%FF%FE', '%00', '%%', '%u0041', '%2');
const longValue = fc.integer({ min: 1000, max: 6000 }).map((n) => 'x'.repeat(n));
const queryKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '__proto__[polluted]',
    'constructor[prototype][polluted]',
    'toString',
    'hasOwnProperty',
    'a[]',
    'a[b][c]',
    'partner_interview_id',
    'code',
    'state',
    'limit',
    'cursor',
    'status',
    'tenantId',
    'version',
  ),
  fc.string({ maxLength: 20 }),
);
const queryValue = fc.oneof(fc.string({ maxLength: 40 }), longValue, badPercent, fc.constant(''));
/** `?a=1&a=2`, prototype keys, long values, raw (undecodable) percent-encodings. */
const queryString = fc
  .array(
    fc.tuple(queryKey, queryValue, fc.boolean()).map(([k, v, raw]) =>
      // raw: the value's '%' sequences go out undecoded (what node:http can put on the wire at all).
      raw
        ? `${encodeURIComponent(k)}=${v.replace(/[^\x21-\x7e]|[#&]/g, encodeURIComponent)}`
        : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
    ),
    { maxLength: 6 },
  )
  .chain((pairs) => (pairs.length ? fc.constantFrom(pairs, [...pairs, ...pairs]) : fc.constant(pairs))) // repeated keys
  .map((pairs) => (pairs.length ? `?${pairs.join('&')}` : ''));

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'text/plain',
    'text/html',
    'application/octet-stream',
    'application/xml',
    '*/*',
    'application/json; charset',
    ';;;',
  ),
  latin1(40),
);

/** Bodies that are wrong in some way: any JSON value, text, bytes, deep nesting, too big. */
const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '{',
        '{"a":1,}',
        '[]',
        '[{}]',
        'null',
        '""',
        '0',
        'true',
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"a":1,"a":2}',
        '\uFEFF{}',
        '{"payloads":"x"}',
        '{"candidate":[]}',
      )
      .map((s) => Buffer.from(s)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(600 * 1024, 'a')) }, // over every body limit
  { weight: 1, arbitrary: fc.constant(null) }, // no body
);

/** Form bodies: the page's own field names with wrong values, and random fields. */
const formBody = (fields: readonly string[], valueOk: (v: string) => boolean) =>
  fc
    .array(
      fc.oneof(
        fc.tuple(
          fc.constantFrom(...fields),
          fc.oneof(fc.string({ maxLength: 60 }), longValue).filter(valueOk),
        ),
        fc.tuple(fc.oneof(queryKey, fc.string({ maxLength: 10 })), fc.string({ maxLength: 30 })),
      ),
      { maxLength: 12 },
    )
    .map((pairs) => Buffer.from(new URLSearchParams(pairs).toString()));

const basic = (user: string, password = '') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const authorizationFor = (variant: Variant, partnerKey: string) => {
  const garbage = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      'Basic',
      'Basic ',
      'Basic !!!',
      'Basic Og==',
      'Basic ==',
      'Bearer',
      'Bearer  ',
      'Digest x',
      '  ',
    ),
    fc.string({ maxLength: 60 }).map((s) => basic(s)),
    fc.string({ maxLength: 30 }).map((s) => `Basic ${s}`),
    latin1(60).map((s) => `Bearer ${s}`),
    latin1(80),
    fc.integer({ min: 8_000, max: 20_000 }).map((n) => `Basic ${'A'.repeat(n)}`), // huge (431 past 16 KB)
    fc.constant(basic(partnerKey, 'a-password')),
    fc.constant(`Bearer ${TEST_OPERATOR_KEY}x`),
  );
  if (variant === 'partner:valid') return fc.constant(basic(partnerKey));
  if (variant === 'operator:valid') return fc.constant(`Bearer ${TEST_OPERATOR_KEY}`);
  return garbage;
};

const headers = (variant: Variant, partnerKey: string) =>
  fc.record(
    {
      authorization: authorizationFor(variant, partnerKey),
      'content-type': contentType,
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'),
      'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), latin1(30)),
      origin: fc.oneof(fc.constant('null'), fc.webUrl(), latin1(30)),
      'sec-fetch-site': fc.constantFrom('cross-site', 'same-site', 'same-origin', 'none', 'garbage'),
      'greenhouse-event-id': fc.oneof(latin1(40), longValue),
      signature: fc.oneof(
        latin1(80),
        fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256 ${h}`),
      ),
      accept: fc.constantFrom('*/*', 'text/html', 'application/json', ''),
      extra: fc.tuple(headerName, latin1(200)),
    },
    { requiredKeys: ['authorization'] },
  );

// ---- HTTP ----

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/**
 * Raw node:http (not fetch): Latin-1 header bytes and undecodable URLs go out as they are. Resolves
 * the status, or 0 when the connection closed without an answer.
 */
function send(base: string, req: Sent): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        answered = true;
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    r.setTimeout(15_000, () =>
      r.destroy(new Error(`no answer within 15 s: ${req.method} ${req.path.slice(0, 200)}`)),
    );
    // The server may answer (413, 431) before it read a big body and close: keep its answer.
    r.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    r.on('close', () => {
      if (!answered) resolve(0);
    });
    r.end(req.body ?? undefined);
  });
}

// ---- the test ----

describe('fuzzing every public endpoint', () => {
  let stack: ReferenceCheckStack;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let webhookSecret: string;
  const tokens = {} as Record<LinkPurpose, string>;
  let tables: string[] = [];

  beforeAll(async () => {
    stack = await startReferenceCheckStack();
    // The app under test: the stack's database, Temporal and task queue, limits out of the way
    // (rate limits are tested in input-hardening.test.ts; here every request should reach its route).
    api = await startTestApi({
      db: stack.database.db,
      temporal: stack.temporal,
      taskQueue: stack.taskQueue,
      secrets: stack.api.secrets,
      rateLimits: { pagesPerMinute: 1_000_000, tokenEndpointsPerMinute: 1_000_000 },
    });
    const mode = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
      {},
    );
    expect(mode.status).toBe(200);
    webhookSecret = String(mode.body!.webhookSecret);

    // An assessment sent from Greenhouse, and a reference check whose candidate named referees.
    const application = stack.sb.state.org(stack.org.org.id)!.applications.all()[1]!;
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const assessmentId = stack.journeyIdFor(application.id);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${assessmentId}:invite:1`, 30_000);
    const check = await stack.startReferenceCheckDirect(0);
    const nominationLink = await stack.nominationLink(check.journeyId);
    const rows = [
      { name: 'Mona Manager', email: 'mona@example.com', relationship: 'manager' },
      { name: 'Pete Peer', email: 'pete@example.com', relationship: 'peer' },
      { name: 'Cleo Client', email: 'cleo@example.com', relationship: 'client' },
    ];
    const fields = new URLSearchParams();
    rows.forEach((row, i) => Object.entries(row).forEach(([k, v]) => fields.set(`r${i}.${k}`, v)));
    expect((await fetch(nominationLink, { method: 'POST', body: fields })).status).toBe(200);
    const referee = (await stack.referees(check.journeyId))[0]!;
    const refereeLink = await stack.refereeLink(referee.id);

    const expiresAt = new Date(Date.now() + 86_400_000);
    const token = (link: string) => link.slice(link.lastIndexOf('/') + 1);
    for (const purpose of ['take_test', 'grade', 'report'] as const)
      tokens[purpose] = token(
        await issueLink(stack.database.db, {
          journeyId: assessmentId,
          purpose,
          expiresAt,
          publicBaseUrl: '',
        }),
      );
    tokens.nominate = token(nominationLink);
    tokens.reference = token(refereeLink);
    // Opening the pages once is the legitimate write (journey in progress, referee opened): done
    // before the snapshot, so that re-opening them during the fuzz changes nothing.
    for (const path of [`/t/${tokens.take_test}`, `/q/${tokens.reference}`]) await fetch(`${api.url}${path}`);

    // rate_limits counts every request to a limited route, as it must: bookkeeping, not state.
    tables = (
      await stack.database.db.$queryRawUnsafe<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
           AND table_name NOT IN ('_prisma_migrations', 'rate_limits')
         ORDER BY table_name`,
      )
    ).map((t) => t.table_name);
    await settled();
  }, 180_000);
  afterAll(async () => {
    await api?.close();
    await stack?.close();
  });

  /** Row count and content hash of every table of the test database. */
  async function snapshot(): Promise<Map<string, string>> {
    const sql = tables
      .map(
        (t) =>
          `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') AS v FROM "${t}" x`,
      )
      .join(' UNION ALL ');
    const rows = await stack.database.db.$queryRawUnsafe<{ t: string; v: string }[]>(sql);
    return new Map(rows.map((r) => [r.t, r.v]));
  }
  const workflowCount = async () =>
    Number((await stack.temporal.workflow.count(`TaskQueue = "${stack.taskQueue}"`)).count);
  const journeyCount = () => stack.database.db.journey.count();

  /** Waits until the workflows started above stopped writing (the worker runs on). */
  async function settled() {
    let last = '';
    for (let i = 0; i < 40; i++) {
      const now = JSON.stringify([...(await snapshot())]) + (await workflowCount());
      if (now === last) return;
      last = now;
      await new Promise((r) => setTimeout(r, 750));
    }
    throw new Error('the database did not settle before fuzzing');
  }

  const pathFor = (route: RouteSpec, variant: Variant) => {
    const fill = (name: string) => {
      if (name === 'token') {
        const purpose = ({ t: 'take_test', g: 'grade', r: 'report', n: 'nominate', q: 'reference' } as const)[
          route.path.split('/')[1] as 't'
        ];
        return variant === 'link:valid'
          ? fc.constant(tokens[purpose])
          : fc.oneof(fc.string({ minLength: 1, maxLength: 80 }).map(encodeURIComponent), badPercent);
      }
      // The real tenant for signed webhooks; ids that match nothing elsewhere (an operator action on a
      // real journey with a valid body would be a legitimate write, not what this test looks for).
      if (name === 'tenantId' && variant === 'webhook:signed') return fc.constant(stack.tenantId);
      return fc.oneof(
        fc.string({ minLength: 1, maxLength: 60 }).map(encodeURIComponent),
        badPercent,
        longValue,
        fc.constant('..'),
      );
    };
    const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    return fc.tuple(...names.map(fill), queryString).map((parts) => {
      let path = route.path;
      names.forEach((name, i) => (path = path.replace(`{${name}}`, parts[i]!)));
      return path + parts[names.length]!;
    });
  };

  /** Form bodies for a page with a valid token: never a valid submission (that is a legitimate write). */
  const pageForm = (route: RouteSpec): fc.Arbitrary<Buffer> | null => {
    const page = route.path.split('/')[1];
    if (route.method !== 'post') return null;
    if (page === 't')
      // q1 takes 'a' or 'b', q2 a number: anything else is refused, and q1 is always sent.
      return formBody(['q:q1', 'q:q2'], (v) => !/\d/.test(v) && !['a', 'b'].includes(v)).map((b) =>
        Buffer.concat([Buffer.from('q%3Aq1=z&'), b]),
      );
    if (page === 'g') return formBody(['gradedBy', 'points:q1', 'comment:q1'], () => true);
    if (page === 'n')
      return formBody(
        ['r0.name', 'r0.email', 'r0.relationship', 'r3.name', 'r3.email', 'r3.relationship'],
        (v) => !v.includes('@'),
      );
    if (page === 'q')
      return formBody(['action', 'openedAt', 'declineReason', 'q:quality', 'q:comments'], (v) => {
        const t = v.trim();
        return t !== 'submit' && t !== 'decline';
      });
    return null;
  };

  /** Bodies a route accepts as valid are not malformed: skipped (fc.pre) for authorised variants. */
  const acceptsBody = (route: RouteSpec, variant: Variant, raw: Buffer | null) => {
    if (!['partner:valid', 'operator:valid', 'webhook:signed'].includes(variant)) return false;
    if (variant === 'webhook:signed') return raw !== null && safeParseWebhookBody(raw).ok;
    if (!route.body || raw === null) return false;
    try {
      return route.body.schema.safeParse(JSON.parse(raw.toString('utf8'))).success;
    } catch {
      return false;
    }
  };

  /** A route without path parameters whose body may be left out or is satisfied by `{}`. */
  const bodyOptional = (route: RouteSpec) =>
    !route.path.includes('{') &&
    route.method !== 'get' &&
    (!route.body || route.body.required === false || route.body.schema.safeParse({}).success);

  const cases = routes.flatMap((route) => variantsOf(route).map((variant) => ({ route, variant })));
  const totals = { runs: 0, byStatus: new Map<number, number>() };

  it('covers every route of the registry', () => {
    expect(cases.length).toBeGreaterThan(routes.length);
    console.log(`fuzz: seed ${SEED}, ${RUNS} runs × ${cases.length} (route, variant) cases`);
  });

  it.each(
    cases.map((c, i) => [`${c.route.method.toUpperCase()} ${c.route.path} [${c.variant}]`, c, i] as const),
  )('%s', async (_name, { route, variant }, index) => {
    const before = await snapshot();
    const journeys = await journeyCount();
    const workflows = await workflowCount();
    const form = variant === 'link:valid' ? pageForm(route) : null;
    // An empty or unrelated body is a real submission on the test page (every question may be left
    // unanswered), so its valid-link posts always carry the invalid q1 the form generator adds.
    const onTestPage = route.path.split('/')[1] === 't';
    const bodies =
      route.method === 'get'
        ? fc.oneof(fc.constant(null), body)
        : form
          ? onTestPage
            ? form
            : fc.oneof(form, body)
          : body;

    const property = fc.asyncProperty(
      pathFor(route, variant),
      headers(variant, stack.partnerKey),
      bodies,
      fc.boolean(),
      async (path, h, raw, formContentType) => {
        const sent: Record<string, string> = {};
        for (const [k, v] of Object.entries(h)) {
          if (k === 'extra') sent[(v as [string, string])[0]] = (v as [string, string])[1];
          else if (v !== undefined) sent[k] = v as string;
        }
        if (form && formContentType) sent['content-type'] = 'application/x-www-form-urlencoded';
        if (form && formContentType) delete sent['content-encoding'];
        if (variant === 'webhook:signed' && raw !== null) {
          sent.signature = `sha256 ${createHmac('sha256', webhookSecret).update(raw).digest('hex')}`;
          delete sent['content-encoding'];
        }
        if (variant === 'operator:valid' && bodyOptional(route)) {
          // Without a JSON body such a route acts on defaults (e.g. starts a probe journey): a
          // legitimate write. Here the server must see a JSON body, and a wrong one.
          sent['content-type'] = 'application/json';
          delete sent['content-encoding'];
          fc.pre(raw !== null && raw.length > 0);
        }
        fc.pre(!acceptsBody(route, variant, raw));
        const status = await send(api.url, {
          method: route.method.toUpperCase(),
          path,
          headers: sent,
          body: raw,
        });
        totals.runs++;
        totals.byStatus.set(status, (totals.byStatus.get(status) ?? 0) + 1);
        expect(status, `${route.method} ${path}`).toBeGreaterThanOrEqual(200);
        expect(status, `${route.method} ${path}`).toBeLessThan(500);
      },
    );
    await fc.assert(property, { seed: SEED + index, numRuns: RUNS, endOnFailure: true, maxSkipsPerRun: 20 });

    expect(await journeyCount(), 'no journey row').toBe(journeys);
    // Visibility is eventually consistent: a workflow started by the fuzz would show within a second.
    await new Promise((r) =>
      setTimeout(r, route.security === 'partner' || route.security === 'webhook' ? 300 : 0),
    );
    expect(await workflowCount(), 'no workflow started').toBe(workflows);
    const after = await snapshot();
    const allowed = ALLOWED_WRITES[variant] ?? [];
    const changed = tables.filter((t) => before.get(t) !== after.get(t) && !allowed.includes(t));
    expect(changed, 'tables written').toEqual([]);
  });

  it('prints what the fuzz sent', () => {
    console.log(
      `fuzz: seed ${SEED}: ${totals.runs} requests over ${cases.length} cases; statuses ${JSON.stringify(
        Object.fromEntries([...totals.byStatus].sort(([a], [b]) => a - b)),
      )}`,
    );
    expect(totals.runs).toBeGreaterThan(cases.length * RUNS * 0.5);
  });
});
