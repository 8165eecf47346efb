import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { ManualClock, startSandbox } from '../../greenhouse-sandbox/index.js';
import { basic, call, links } from './helpers.js';

type Json = Record<string, unknown>;

let sb: Sandbox;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
let v3: string;

beforeAll(async () => {
  sb = await startSandbox({
    clock,
    orgs: [{ candidates: 23 }],
    rateLimit: { v3: { limit: 10_000 }, token: { limit: 10_000 } },
    tokens: { access: 60_000, refresh: 120_000, code: 10_000 },
  });
  v3 = `${sb.url}/v3`;
});
afterAll(async () => sb.close());

const org = () => sb.orgs[0]!;
const clientAuth = (c = org().credentials.v3) => basic(c.clientId, c.clientSecret);
const token = (form: Record<string, string>, auth = clientAuth()) =>
  call(`${sb.url}/token`, { method: 'POST', auth, form });
const bearer = (t: string) => `Bearer ${t}`;

describe('v3 token endpoint (client credentials)', () => {
  it('issues a bearer token for Basic client_id:client_secret, grant_type and sub', async () => {
    const r = await token({ grant_type: 'client_credentials', sub: String(org().siteAdmin.id) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'Bearer',
      // Today's answer names the instant (greenhouse.md §0), not a lifetime.
      expires_at: new Date(clock.now() + 60_000).toISOString(),
    });
    expect(r.body).not.toHaveProperty('expires_in');
    const jobs = await call(`${v3}/jobs`, { auth: bearer((r.body as Json).access_token as string) });
    expect(jobs.status).toBe(200);
  });

  it('answers expires_in (and refresh_token_expires_in) under the older reading', async () => {
    sb.settings.tokenAnswer = 'expires_in';
    try {
      const r = await token({ grant_type: 'client_credentials', sub: String(org().siteAdmin.id) });
      expect(r.body).toMatchObject({ expires_in: 60 });
      expect(r.body).not.toHaveProperty('expires_at');
    } finally {
      sb.settings.tokenAnswer = 'expires_at';
    }
  });

  it('rejects bad clients, a missing or unknown sub and unknown grant types', async () => {
    expect(
      (await token({ grant_type: 'client_credentials', sub: '1' }, basic('nope', 'x'))).body,
    ).toMatchObject({ error: 'invalid_client' });
    expect(
      (
        await token(
          { grant_type: 'client_credentials', sub: '1' },
          basic(org().credentials.v3.clientId, 'wrong'),
        )
      ).status,
    ).toBe(401);
    expect((await token({ grant_type: 'client_credentials' })).body).toMatchObject({
      error: 'invalid_request',
    });
    expect((await token({ grant_type: 'client_credentials', sub: '42' })).body).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await token({ grant_type: 'password', sub: '42' })).body).toMatchObject({
      error: 'unsupported_grant_type',
    });
  });

  it('expires tokens on the injected clock', async () => {
    const t = await sb.v3Token(org());
    expect((await call(`${v3}/users`, { auth: bearer(t) })).status).toBe(200);
    clock.advance(60_001);
    const r = await call(`${v3}/users`, { auth: bearer(t) });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('invalid_token');
    expect(r.body).toEqual({ message: 'The access token expired' });
  });

  it('revoking the client kills its tokens', async () => {
    const c = sb.admin.addV3Client(org().org.id);
    const r = await token(
      { grant_type: 'client_credentials', sub: String(org().siteAdmin.id) },
      clientAuth(c),
    );
    const t = (r.body as Json).access_token as string;
    expect((await call(`${v3}/jobs`, { auth: bearer(t) })).status).toBe(200);
    sb.admin.revokeCredential(c.id);
    expect((await call(`${v3}/jobs`, { auth: bearer(t) })).status).toBe(401);
    expect(
      (await token({ grant_type: 'client_credentials', sub: String(org().siteAdmin.id) }, clientAuth(c)))
        .status,
    ).toBe(401);
  });
});

describe('v3 scopes and the Site Admin sub', () => {
  it('answers 403 for a scope the client lacks', async () => {
    const c = sb.admin.addV3Client(org().org.id, { scopes: ['harvest:candidates:list'] });
    const r = await token(
      { grant_type: 'client_credentials', sub: String(org().siteAdmin.id) },
      clientAuth(c),
    );
    const t = bearer((r.body as Json).access_token as string);
    expect((await call(`${v3}/candidates`, { auth: t })).status).toBe(200);
    const denied = await call(`${v3}/jobs`, { auth: t });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ scope: 'harvest:jobs:list' });
    const asked = await token(
      { grant_type: 'client_credentials', sub: String(org().siteAdmin.id), scope: 'harvest:jobs:list' },
      clientAuth(c),
    );
    expect(asked.body).toMatchObject({ error: 'invalid_scope' });
  });

  it('list endpoints need a Site Admin sub: 200 [] by default, 403 under the forbidden reading', async () => {
    const plain = org()
      .org.users.all()
      .find((u) => !u.siteAdmin && !u.disabled)!;
    const t = bearer(await sb.v3Token(org(), { sub: plain.id }));
    const empty = await call(`${v3}/candidates`, { auth: t });
    expect(empty).toMatchObject({ status: 200, body: [] });
    sb.readings.v3NonAdminLists = 'forbidden';
    try {
      expect((await call(`${v3}/candidates`, { auth: t })).status).toBe(403);
    } finally {
      sb.readings.v3NonAdminLists = 'empty';
    }
    // writes are not lists: a non-admin sub may write
    const c = org().org.candidates.all()[0]!;
    const n = await call(`${v3}/notes`, {
      method: 'POST',
      auth: t,
      body: { candidate_id: c.id, body: 'x', visibility: 'private', note_type: 'note', user_id: plain.id },
    });
    expect(n.status).toBe(201);
  });
});

describe('v3 cursor paging', () => {
  it('follows Link rel="next" through every candidate; the cursor carries the filters', async () => {
    const t = bearer(await sb.v3Token(org()));
    const seen: number[] = [];
    let url: string | undefined = `${v3}/candidates?per_page=5`;
    let pages = 0;
    while (url) {
      const r = await call(url, { auth: t });
      expect(r.status).toBe(200);
      seen.push(...(r.body as Json[]).map((c) => c.id as number));
      url = links(r.headers.get('link')).next;
      if (url) expect([...new URL(url).searchParams.keys()]).toEqual(['cursor']);
      pages++;
    }
    expect(pages).toBe(5);
    // ordered by id descending
    expect(seen).toEqual(
      org()
        .org.candidates.all()
        .map((c) => c.id)
        .reverse(),
    );
    const c = org().org.candidates.all()[0]!;
    const apps = await call(`${v3}/applications?candidate_ids=${c.id}&per_page=1`, { auth: t });
    expect((apps.body as Json[])[0]).toMatchObject({ candidate_id: c.id });
  });

  it('422 when a follow-up call adds anything beside the cursor', async () => {
    const t = bearer(await sb.v3Token(org()));
    const first = await call(`${v3}/candidates?per_page=5`, { auth: t });
    const next = links(first.headers.get('link')).next!;
    const r = await call(`${next}&per_page=5`, { auth: t });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      message: 'Validation error',
      errors: [{ message: 'cursor must be the only query parameter', field: 'per_page' }],
    });
    expect((await call(`${v3}/candidates?cursor=garbage`, { auth: t })).status).toBe(422);
  });

  it('finds a candidate by exact, case-insensitive e-mail', async () => {
    const t = bearer(await sb.v3Token(org()));
    const c = org().org.candidates.all()[3]!;
    const r = await call(`${v3}/candidates?email=${encodeURIComponent(c.emails[0]!.value.toUpperCase())}`, {
      auth: t,
    });
    expect((r.body as Json[]).map((x) => x.id)).toEqual([c.id]);
    const partial = await call(`${v3}/candidates?email=${encodeURIComponent(c.emails[0]!.value.slice(1))}`, {
      auth: t,
    });
    expect(partial.body).toEqual([]);
  });
});

describe('v3 shapes (greenhouse.md §3.1)', () => {
  it('flat job_id/stage_id, no embedded children, deactivated/primary_email', async () => {
    const t = bearer(await sb.v3Token(org()));
    const a = org().org.applications.all()[0]!;
    const [app] = (await call(`${v3}/applications?ids=${a.id}`, { auth: t })).body as Json[];
    expect(app).toMatchObject({
      id: a.id,
      candidate_id: a.candidateId,
      job_id: a.jobId,
      stage_name: org().org.stages.get(a.stageId!)!.name,
    });
    expect(app).not.toHaveProperty('jobs');
    expect(app).not.toHaveProperty('current_stage');
    const [cand] = (await call(`${v3}/candidates?ids=${a.candidateId}`, { auth: t })).body as Json[];
    expect(cand).toMatchObject({ id: a.candidateId });
    expect(cand).not.toHaveProperty('applications');
    const users = (await call(`${v3}/users?ids=${org().siteAdmin.id}`, { auth: t })).body as Json[];
    expect(users[0]).toMatchObject({
      primary_email: expect.any(String),
      deactivated: false,
      site_admin: true,
    });
    expect(users[0]).not.toHaveProperty('disabled');
    const stages = (await call(`${v3}/job_interview_stages?job_ids=${a.jobId}`, { auth: t })).body as Json[];
    expect(stages.map((s) => s.name)).toContain('Take Home Test');
    expect(stages.every((s) => s.job_id === a.jobId)).toBe(true);
    const hm = (await call(`${v3}/job_hiring_managers?job_ids=${a.jobId}`, { auth: t })).body as Json[];
    expect(hm[0]).toMatchObject({ job_id: a.jobId, user_id: expect.any(Number) });
    const owners = (await call(`${v3}/job_owners?job_ids=${a.jobId}`, { auth: t })).body as Json[];
    expect(owners.map((o) => o.type)).toContain('recruiter');
    expect(owners[0]).toMatchObject({ responsible: expect.any(Boolean) });
    expect(owners[0]).not.toHaveProperty('role');
    const fields = (await call(`${v3}/custom_fields?field_type=application&per_page=500`, { auth: t }))
      .body as Json[];
    const select = fields.find((f) => f.value_type === 'single_select')!;
    expect(select).not.toHaveProperty('custom_field_options');
    const options = (
      await call(`${v3}/custom_field_options?custom_field_ids=${String(select.id)}`, { auth: t })
    ).body as Json[];
    expect(options.map((o) => o.name)).toEqual(['High', 'Medium', 'Low']); // id descending
    expect(((await call(`${v3}/email_templates`, { auth: t })).body as Json[]).length).toBe(3);
  });
});

describe('v3 writes (the sub is the audit user)', () => {
  it('custom fields, notes, attachments and moves change state that reads back', async () => {
    const t = bearer(await sb.v3Token(org()));
    const a = org().org.applications.all()[5]!;
    const p = await call(`${v3}/applications/${a.id}`, {
      method: 'PATCH',
      auth: t,
      body: {
        custom_fields: [
          { name_key: 'application_number', value: 73 },
          { name_key: 'application_yes_no', value: false },
        ],
      },
    });
    expect(p.status).toBe(200);
    expect((p.body as Json).custom_fields).toMatchObject({
      application_number: 73,
      application_yes_no: false,
    });
    const bad = await call(`${v3}/applications/${a.id}`, {
      method: 'PATCH',
      auth: t,
      body: { custom_fields: [{ name_key: 'application_date', value: 'tomorrow' }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      errors: [{ field: 'custom_fields[0].value', message: expect.any(String) }],
    });

    const n = await call(`${v3}/notes`, {
      method: 'POST',
      auth: t,
      body: {
        candidate_id: a.candidateId,
        application_id: a.id,
        body: 'Scored 73',
        visibility: 'private',
        note_type: 'note',
        user_id: org().siteAdmin.id,
      },
    });
    expect(n.status).toBe(201);
    expect(n.body).toMatchObject({
      candidate_id: a.candidateId,
      application_id: a.id,
      user_id: org().siteAdmin.id,
      note_type: 'note',
      visibility: 'privately_visible',
    });
    const notes = (await call(`${v3}/notes?candidate_ids=${a.candidateId}`, { auth: t })).body as Json[];
    expect(notes.map((x) => x.body)).toContain('Scored 73');

    const att = await call(`${v3}/attachments`, {
      method: 'POST',
      auth: t,
      body: {
        application_id: a.id,
        filename: 'r.pdf',
        type: 'other',
        content: Buffer.from('pdf').toString('base64'),
      },
    });
    expect(att.status).toBe(201);
    expect(att.body).toMatchObject({ application_id: a.id, visibility: 'admin_only' });
    const listed = (await call(`${v3}/attachments?application_ids=${a.id}`, { auth: t })).body as Json[];
    expect(listed.map((x) => x.filename)).toEqual(['r.pdf']);
    const tht = await call(`${v3}/attachments`, {
      method: 'POST',
      auth: t,
      body: {
        application_id: a.id,
        filename: 't.pdf',
        type: 'take_home_test',
        content: 'cGRm',
      },
    });
    expect(tht.status).toBe(422);

    const to = org()
      .org.stagesOfJob(a.jobId)
      .find((s) => s.id !== a.stageId)!;
    const [before] = (await call(`${v3}/applications?ids=${a.id}`, { auth: t })).body as Json[];
    const mv = await call(`${v3}/applications/${a.id}/move`, {
      method: 'POST',
      auth: t,
      body: { from_stage_id: before!.stage_id, to_stage_id: to.id },
    });
    expect(mv.status).toBe(204);
    expect(mv.body).toBeNull();
    expect(org().org.applications.get(a.id)!.stageId).toBe(to.id);
  });
});

describe('authorization code flow and the v1 key mint', () => {
  it('code → access + refresh; codes are single use and expire; refresh tokens rotate and expire', async () => {
    const c = sb.admin.addV3Client(org().org.id, { integration: 'partner' });
    const redirect = 'https://vendor.example.com/oauth/callback';
    const auth = await call(
      `${sb.url}/authorize?response_type=code&client_id=${c.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=xyz&scope=${encodeURIComponent('harvest:jobs:list harvest:users:list')}`,
    );
    expect(auth.status).toBe(302);
    const loc = new URL(auth.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(redirect);
    expect(loc.searchParams.get('state')).toBe('xyz');
    const code = loc.searchParams.get('code')!;
    const ex = await token({ grant_type: 'authorization_code', code, redirect_uri: redirect }, clientAuth(c));
    expect(ex.status).toBe(200);
    expect(ex.body).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      expires_at: new Date(clock.now() + 60_000).toISOString(),
      scope: 'harvest:jobs:list harvest:users:list',
    });
    expect(
      (await token({ grant_type: 'authorization_code', code, redirect_uri: redirect }, clientAuth(c))).body,
    ).toMatchObject({ error: 'invalid_grant' });

    const rt = (ex.body as Json).refresh_token as string;
    const r1 = await token({ grant_type: 'refresh_token', refresh_token: rt }, clientAuth(c));
    expect(r1.status).toBe(200);
    expect((await token({ grant_type: 'refresh_token', refresh_token: rt }, clientAuth(c))).status).toBe(400);
    clock.advance(120_001);
    expect(
      (
        await token(
          { grant_type: 'refresh_token', refresh_token: (r1.body as Json).refresh_token as string },
          clientAuth(c),
        )
      ).body,
    ).toMatchObject({ error: 'invalid_grant' });

    const again = await call(
      `${sb.url}/authorize?response_type=code&client_id=${c.clientId}&redirect_uri=${encodeURIComponent(redirect)}&scope=harvest%3Ajobs%3Alist`,
    );
    const code2 = new URL(again.headers.get('location')!).searchParams.get('code')!;
    clock.advance(10_001);
    expect(
      (await token({ grant_type: 'authorization_code', code: code2, redirect_uri: redirect }, clientAuth(c)))
        .status,
    ).toBe(400);
  });

  it('/authorize without a scope redirects back with invalid_request and no code', async () => {
    const c = sb.admin.addV3Client(org().org.id, { integration: 'partner' });
    const redirect = 'https://vendor.example.com/oauth/callback';
    const r = await call(
      `${sb.url}/authorize?response_type=code&client_id=${c.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=s1`,
    );
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.get('location')!);
    expect(loc.searchParams.get('error')).toBe('invalid_request');
    expect(loc.searchParams.get('error_description')).toBe('scope is required');
    expect(loc.searchParams.get('code')).toBeNull();
    expect(loc.searchParams.get('state')).toBe('s1');
  });

  it('v1 is retired by default: /auth/token and /v1 answer 410 Gone naming the retirement', async () => {
    const key = org().credentials.v1.key;
    for (const url of [`${sb.url}/auth/token`, `${sb.url}/v1/jobs`]) {
      const r = await call(url, { method: url.endsWith('token') ? 'POST' : 'GET', auth: basic(key) });
      expect(r.status).toBe(410);
      expect(r.headers.get('sunset')).toBe('Mon, 31 Aug 2026 00:00:00 GMT');
      expect((r.body as Json).message).toMatch(/retired on 2026-08-31/);
    }
  });

  it('legacy, with the "v1 still live" switch: POST /auth/token mints a v3 token from a v1 key', async () => {
    sb.settings.v1 = 'live';
    try {
      const r = await call(`${sb.url}/auth/token`, { method: 'POST', auth: basic(org().credentials.v1.key) });
      expect(r.status).toBe(200);
      const t = (r.body as Json).access_token as string;
      expect((await call(`${v3}/jobs`, { auth: bearer(t) })).status).toBe(200);
      expect((await call(`${sb.url}/auth/token`, { method: 'POST', auth: basic('bad') })).status).toBe(401);
    } finally {
      sb.settings.v1 = 'retired';
    }
  });
});
