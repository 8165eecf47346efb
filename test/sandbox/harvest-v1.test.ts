import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox, VENDOR_PERMISSION_SETS } from '../../greenhouse-sandbox/index.js';
import { basic, call, expectShape, fixture, links } from './helpers.js';

type Json = Record<string, unknown>;
type Recorded = { response: { status: number; body: unknown } }[];

let sb: Sandbox;
let key: string;
let adminId: number;
let v1: string;

beforeAll(async () => {
  sb = await startSandbox({
    // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
    v1: 'live',
    orgs: [{ candidates: 25 }, { candidates: 3, plan: 'standard' }],
    rateLimit: { v1: { limit: 10_000 } },
  });
  key = sb.orgs[0]!.credentials.v1.key;
  adminId = sb.orgs[0]!.siteAdmin.id;
  v1 = `${sb.url}/v1`;
});
afterAll(async () => sb.close());

const auth = () => basic(key);
const firstApp = () => sb.orgs[0]!.org.applications.all()[0]!;
const firstCand = () => sb.orgs[0]!.org.candidates.all()[0]!;

describe('v1 authentication and permissions', () => {
  it('rejects missing, unknown and non-empty-password credentials with 401', async () => {
    for (const a of [undefined, basic('nope'), basic(key, 'secret'), `Bearer ${key}`]) {
      const r = await call(`${v1}/jobs`, a ? { auth: a } : {});
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: expect.any(String) });
    }
  });

  it('accepts the key as username with an empty password', async () => {
    const r = await call(`${v1}/jobs`, { auth: auth() });
    expect(r.status).toBe(200);
    expect((r.body as unknown[]).length).toBe(3);
  });

  it('answers 401 naming the permission a restricted key lacks (HiPeople-like key)', async () => {
    const k = sb.admin.addV1Key(sb.orgs[0]!.org.id, VENDOR_PERMISSION_SETS.hiPeople!);
    const ok = await call(`${v1}/applications/${firstApp().id}`, { auth: basic(k.key) });
    expect(ok.status).toBe(200);
    const denied = await call(`${v1}/candidates`, { auth: basic(k.key) });
    expect(denied.status).toBe(401);
    expect(denied.body).toMatchObject({ message: expect.any(String), permission: 'Candidates: List' });
    const team = await call(`${v1}/jobs/${sb.orgs[0]!.org.jobs.all()[0]!.id}/hiring_team`, {
      auth: basic(k.key),
    });
    expect(team.status).toBe(200);
  });

  it('keeps organisations apart: another org’s key sees 404 for this org’s candidate', async () => {
    const other = sb.orgs[1]!.credentials.v1.key;
    const r = await call(`${v1}/candidates/${firstCand().id}`, { auth: basic(other) });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: 'Resource not found' });
  });

  it('a revoked key stops working at once', async () => {
    const k = sb.admin.addV1Key(sb.orgs[0]!.org.id);
    expect((await call(`${v1}/users`, { auth: basic(k.key) })).status).toBe(200);
    sb.admin.revokeCredential(k.id);
    expect((await call(`${v1}/users`, { auth: basic(k.key) })).status).toBe(401);
  });
});

describe('v1 On-Behalf-Of', () => {
  const noteBody = { user_id: 0, body: 'Candidate on vacation', visibility: 'public' };
  it('requires the header on writes', async () => {
    const r = await call(`${v1}/candidates/${firstCand().id}/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      body: { ...noteBody, user_id: adminId },
    });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ errors: [{ message: expect.any(String), field: 'On-Behalf-Of' }] });
  });

  it('answers an unknown On-Behalf-Of user with the recorded 404 body', async () => {
    const rec = fixture<Recorded>('recorded/harvest-v1/create_candidate_note_invalid_on_behalf_of.json')[0]!;
    const r = await call(`${v1}/candidates/${firstCand().id}/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      headers: { 'On-Behalf-Of': '99' },
      body: { ...noteBody, user_id: adminId },
    });
    expect(r.status).toBe(rec.response.status);
    expect(r.body).toEqual(rec.response.body);
  });

  it('matches the recorded 404s for an unknown candidate and an unknown note author', async () => {
    const h = { 'On-Behalf-Of': String(adminId) };
    const a = await call(`${v1}/candidates/99/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      headers: h,
      body: { ...noteBody, user_id: adminId },
    });
    expect([a.status, a.body]).toEqual([
      404,
      fixture<Recorded>('recorded/harvest-v1/create_candidate_note_invalid_candidate_id.json')[0]!.response
        .body,
    ]);
    const b = await call(`${v1}/candidates/${firstCand().id}/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      headers: h,
      body: { ...noteBody, user_id: 99 },
    });
    expect([b.status, b.body]).toEqual([
      404,
      fixture<Recorded>('recorded/harvest-v1/create_candidate_note_invalid_user_id.json')[0]!.response.body,
    ]);
  });
});

describe('v1 notes', () => {
  it('422 for a missing body is exactly the recorded body', async () => {
    const rec = fixture<Recorded>('recorded/harvest-v1/create_candidate_note_invalid_missing_field.json')[0]!;
    const r = await call(`${v1}/candidates/${firstCand().id}/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      headers: { 'On-Behalf-Of': String(adminId) },
      body: { user_id: adminId, visibility: 'public' },
    });
    expect(r.status).toBe(422);
    expect(r.body).toEqual(rec.response.body);
  });

  it('creates notes with each visibility, shaped like the docs, readable in the activity feed', async () => {
    const c = firstCand();
    for (const visibility of ['admin_only', 'private', 'public']) {
      const r = await call(`${v1}/candidates/${c.id}/activity_feed/notes`, {
        method: 'POST',
        auth: auth(),
        headers: { 'On-Behalf-Of': String(adminId) },
        body: { user_id: adminId, body: `note ${visibility}`, visibility },
      });
      expect(r.status).toBe(200);
      expectShape(r.body, fixture('docs/harvest-v1/candidates--post-add-note.json'));
      expect(r.body).toMatchObject({
        visibility,
        visiblity: visibility,
        private: visibility === 'private',
        user: { id: adminId },
      });
    }
    const bad = await call(`${v1}/candidates/${c.id}/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      headers: { 'On-Behalf-Of': String(adminId) },
      body: { user_id: adminId, body: 'x', visibility: 'everyone' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({
      message: 'Validation error',
      errors: [{ message: 'Must be one of: admin_only, private, public', field: 'visibility' }],
    });
    const feed = await call(`${v1}/candidates/${c.id}/activity_feed`, { auth: auth() });
    expectShape(feed.body, fixture('docs/harvest-v1/activity_feed--get-retrieve-activity-feed.json'), '$', [
      'emails',
      'activities',
    ]);
    expect(((feed.body as Json).notes as Json[]).map((n) => n.body)).toEqual([
      'note public',
      'note private',
      'note admin_only',
    ]);
  });

  it('accepts the legacy `message` field as the recorded client sends it', async () => {
    const rec = fixture<{ request: { body: Json } }[]>('recorded/harvest-v1/create_candidate_note.json')[0]!;
    const r = await call(`${v1}/candidates/${firstCand().id}/activity_feed/notes`, {
      method: 'POST',
      auth: auth(),
      headers: { 'On-Behalf-Of': String(adminId) },
      body: { ...rec.request.body, user_id: adminId },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ body: 'Candidate on vacation', visiblity: 'public' });
  });
});

describe('v1 paging', () => {
  it('pages with per_page/page and a Link header (next, prev, last) that keeps filters', async () => {
    const seen: number[] = [];
    let url: string | undefined = `${v1}/candidates?per_page=10`;
    let pages = 0;
    while (url) {
      const r = await call(url, { auth: auth() });
      expect(r.status).toBe(200);
      seen.push(...(r.body as Json[]).map((c) => c.id as number));
      const l = links(r.headers.get('link'));
      expect(l.last).toBe(`${v1}/candidates?page=3&per_page=10`);
      if (pages > 0) expect(l.prev).toBeDefined();
      url = l.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(sb.orgs[0]!.org.candidates.all().map((c) => c.id));
    const jobId = sb.orgs[0]!.org.jobs.all()[0]!.id;
    const f = await call(`${v1}/applications?job_id=${jobId}&per_page=2`, { auth: auth() });
    expect(links(f.headers.get('link')).next).toBe(`${v1}/applications?job_id=${jobId}&page=2&per_page=2`);
    expect((f.body as Json[]).every((a) => (a.jobs as Json[])[0]!.id === jobId)).toBe(true);
  });

  it('rejects per_page above 500 with a 422 body', async () => {
    const r = await call(`${v1}/candidates?per_page=501`, { auth: auth() });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ errors: [{ field: 'per_page', message: expect.any(String) }] });
  });

  it('looks candidates up by e-mail (case-insensitive) and job', async () => {
    const c = firstCand();
    const email = c.emails[0]!.value.toUpperCase();
    const appJob = sb.orgs[0]!.org.applications.get(c.applicationIds[0]!)!.jobId;
    const hit = await call(`${v1}/candidates?email=${encodeURIComponent(email)}&job_id=${appJob}`, {
      auth: auth(),
    });
    expect((hit.body as Json[]).map((x) => x.id)).toEqual([c.id]);
    const otherJob = sb.orgs[0]!.org.jobs.all().find((j) => j.id !== appJob)!.id;
    const miss = await call(`${v1}/candidates?email=${encodeURIComponent(email)}&job_id=${otherJob}`, {
      auth: auth(),
    });
    expect(miss.body).toEqual([]);
  });
});

describe('v1 shapes follow the documented and recorded fixtures', () => {
  it('candidate, application, job, stages, hiring team, users, custom fields, e-mail templates', async () => {
    const o = sb.orgs[0]!.org;
    const job = o.jobs.all()[0]!;
    const pairs: [string, string, string[]?][] = [
      [`/candidates/${firstCand().id}`, 'docs/harvest-v1/candidates--the-candidate-object.json'],
      [`/applications/${firstApp().id}`, 'docs/harvest-v1/applications--the-application-object.json'],
      [
        `/jobs/${job.id}`,
        'docs/harvest-v1/jobs--the-job-object.json',
        ['custom_fields', 'keyed_custom_fields', 'openings'],
      ],
      [`/jobs/${job.id}/hiring_team`, 'docs/harvest-v1/jobs--get-hiring-team.json'],
      [`/jobs/${job.id}/stages`, 'docs/harvest-v1/job_stages--get-list-job-stages-for-job.json'],
      [`/users/${adminId}`, 'docs/harvest-v1/users--the-user-object.json', ['offices', 'departments']],
      ['/users', 'docs/harvest-v1/users--get-list-users.json', ['offices', 'departments']],
      [
        '/custom_fields/application',
        'docs/harvest-v1/custom_fields--get-list-custom-fields.json',
        ['offices', 'departments'],
      ],
      ['/email_templates', 'docs/harvest-v1/email_templates--get-list-email-templates.json', ['user']],
      ['/candidates', 'recorded/harvest-v1/candidates.json#body'],
    ];
    for (const [path, fx, skip] of pairs) {
      const r = await call(`${v1}${path}`, { auth: auth() });
      expect(r.status, path).toBe(200);
      const [file, part] = fx.split('#');
      const f = part ? fixture<Recorded>(file!)[0]!.response.body : fixture(file!);
      // Only the candidate recording is compared: the 2014 job/application recordings carry fields
      // Greenhouse has since renamed or dropped (person_id, employment_type).
      expectShape(r.body, f, path, [
        ...(skip ?? []),
        'custom_fields',
        'keyed_custom_fields',
        'metadata',
        'rejection_details',
        'interview_kit',
        'default_interviewer_users',
        'location',
      ]);
    }
  });

  it('hides application custom fields outside the Enterprise plan', async () => {
    const r = await call(`${v1}/custom_fields/application`, { auth: basic(sb.orgs[1]!.credentials.v1.key) });
    expect(r.body).toEqual([]);
  });
});

describe('v1 custom-field writes, one of each value type', () => {
  const patch = (id: number, custom_fields: unknown[], k = key) =>
    call(`${v1}/applications/${id}`, {
      method: 'PATCH',
      auth: basic(k),
      headers: { 'On-Behalf-Of': String(adminId) },
      body: { custom_fields },
    });

  it('accepts a valid value of every type and reads it back', async () => {
    const o = sb.orgs[0]!.org;
    const a = firstApp();
    const user = o.users.all()[1]!;
    const high = o.customFields.all().find((f) => f.nameKey === 'application_single_select')!.options[2]!;
    const r = await patch(a.id, [
      { name_key: 'application_short_text', value: 'Passed' },
      { name_key: 'application_long_text', value: 'A long\nreport' },
      { name_key: 'application_yes_no', value: true },
      { name_key: 'application_single_select', value: high.id },
      { name_key: 'application_multi_select', value: ['Low', 'High'] },
      { name_key: 'application_number', value: 87.5 },
      { name_key: 'application_currency', value: { unit: 'USD', amount: 100 } },
      { name_key: 'application_number_range', value: { min_value: 1, max_value: 5 } },
      { name_key: 'application_currency_range', value: { min_value: 1, max_value: 5, unit: 'EUR' } },
      { name_key: 'application_date', value: '2026-03-01' },
      { name_key: 'application_url', value: 'https://vendor.example.com/report/1' },
      { name_key: 'application_user', value: user.emails[0] },
    ]);
    expect(r.status).toBe(200);
    const back = (await call(`${v1}/applications/${a.id}`, { auth: auth() })).body as Json;
    expect(back.custom_fields).toEqual({
      application_short_text: 'Passed',
      application_long_text: 'A long\nreport',
      application_yes_no: true,
      application_single_select: 'High',
      application_multi_select: ['Low', 'High'],
      application_number: 87.5,
      application_currency: { unit: 'USD', amount: 100 },
      application_number_range: { min_value: 1, max_value: 5 },
      application_currency_range: { min_value: 1, max_value: 5, unit: 'EUR' },
      application_date: '2026-03-01',
      application_url: 'https://vendor.example.com/report/1',
      application_user: {
        name: `${user.firstName} ${user.lastName}`,
        email: user.emails[0],
        user_id: user.id,
      },
    });
    expect((back.keyed_custom_fields as Json).application_yes_no).toEqual({
      name: 'Application yes no',
      type: 'boolean',
      value: true,
    });
  });

  it('rejects a wrong value of every type with 422 { errors: [{ message, field }] } and writes nothing', async () => {
    const a = sb.orgs[0]!.org.applications.all()[1]!;
    const bad: [string, unknown][] = [
      ['application_short_text', 'x'.repeat(256)],
      ['application_long_text', 42],
      ['application_yes_no', 'yes'],
      ['application_single_select', 'Huge'],
      ['application_multi_select', 'Low'],
      ['application_number', 'many'],
      ['application_currency', { unit: 'dollars', amount: 1 }],
      ['application_number_range', { min_value: 5, max_value: 1 }],
      ['application_currency_range', { min_value: 1, max_value: 2 }],
      ['application_date', '2026-02-30'],
      ['application_url', 'not a url'],
      ['application_user', 999],
    ];
    for (const [name_key, value] of bad) {
      const r = await patch(a.id, [
        { name_key: 'application_short_text', value: 'ok' },
        { name_key, value },
      ]);
      expect(r.status, name_key).toBe(422);
      expect(r.body).toEqual({
        message: 'Validation error',
        errors: [{ message: expect.any(String), field: 'custom_fields[1].value' }],
      });
    }
    expect(a.customFields.size).toBe(0);
  });

  it('clears with delete_value "true", refuses null, and reports unknown fields', async () => {
    const a = sb.orgs[0]!.org.applications.all()[2]!;
    expect((await patch(a.id, [{ name_key: 'application_short_text', value: 'set' }])).status).toBe(200);
    const nul = await patch(a.id, [{ name_key: 'application_short_text', value: null }]);
    expect(nul.status).toBe(422);
    expect((await patch(a.id, [{ name_key: 'application_short_text', delete_value: 'true' }])).status).toBe(
      200,
    );
    expect(
      ((await call(`${v1}/applications/${a.id}`, { auth: auth() })).body as Json).custom_fields,
    ).toMatchObject({ application_short_text: null });
    const unknown = await patch(a.id, [{ id: 1, value: 'x' }]);
    expect(unknown.body).toMatchObject({ errors: [{ field: 'custom_fields[0].id' }] });
  });

  it('application fields need Enterprise; candidate fields are the fallback', async () => {
    const s = sb.orgs[1]!;
    const app = s.org.applications.all()[0]!;
    const h = { 'On-Behalf-Of': String(s.siteAdmin.id) };
    const r = await call(`${v1}/applications/${app.id}`, {
      method: 'PATCH',
      auth: basic(s.credentials.v1.key),
      headers: h,
      body: { custom_fields: [{ name_key: 'application_short_text', value: 'x' }] },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('Enterprise');
    const c = await call(`${v1}/candidates/${app.candidateId}`, {
      method: 'PATCH',
      auth: basic(s.credentials.v1.key),
      headers: h,
      body: { custom_fields: [{ name_key: 'candidate_number', value: 91 }] },
    });
    expect(c.status).toBe(200);
    expect((c.body as Json).custom_fields).toMatchObject({ candidate_number: 91 });
  });
});

describe('v1 attachments', () => {
  const post = (appId: number, body: Json) =>
    call(`${v1}/applications/${appId}/attachments`, {
      method: 'POST',
      auth: auth(),
      headers: { 'On-Behalf-Of': String(adminId) },
      body,
    });
  const pdf = Buffer.from('%PDF-1.4 sandbox report').toString('base64');

  it('stores base64 content with its content type, downloadable and listed on the application', async () => {
    const a = firstApp();
    const r = await post(a.id, {
      filename: 'report.pdf',
      type: 'other',
      content: pdf,
      content_type: 'application/pdf',
    });
    expect(r.status).toBe(201);
    expectShape(r.body, fixture('docs/harvest-v1/applications--post-add-attachment-to-application-2.json'));
    const file = await fetch((r.body as Json).url as string);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await file.arrayBuffer()).toString()).toBe('%PDF-1.4 sandbox report');
    const app = (await call(`${v1}/applications/${a.id}`, { auth: auth() })).body as Json;
    expect((app.attachments as Json[]).map((x) => x.filename)).toContain('report.pdf');
    // visibility defaults to admin_only for `other`
    expect(a.attachments.at(-1)!.visibility).toBe('admin_only');
    await post(a.id, {
      filename: 'public.pdf',
      type: 'other',
      content: pdf,
      content_type: 'application/pdf',
      visibility: 'public',
    });
    expect(a.attachments.at(-1)!.visibility).toBe('public');
  });

  it('validates type, base64, content_type, url and visibility', async () => {
    const a = firstApp();
    const cases: [Json, string][] = [
      [{ type: 'other', content: pdf, content_type: 'application/pdf' }, 'filename'],
      [{ filename: 'x.pdf', type: 'essay', content: pdf, content_type: 'application/pdf' }, 'type'],
      [
        { filename: 'x.pdf', type: 'other', content: 'not base64!!', content_type: 'application/pdf' },
        'content',
      ],
      [{ filename: 'x.pdf', type: 'other', content: pdf }, 'content_type'],
      [{ filename: 'x.pdf', type: 'other' }, 'content'],
      [{ filename: 'x.pdf', type: 'other', url: 'ftp://x' }, 'url'],
      [
        {
          filename: 'x.pdf',
          type: 'other',
          content: pdf,
          content_type: 'application/pdf',
          visibility: 'team',
        },
        'visibility',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await post(a.id, body);
      expect(r.status, field).toBe(422);
      expect((r.body as { errors: Json[] }).errors[0]).toMatchObject({ field, message: expect.any(String) });
    }
    const byUrl = await post(a.id, {
      filename: 'cv.pdf',
      type: 'resume',
      url: 'https://files.example.com/cv.pdf',
    });
    expect(byUrl.status).toBe(201);
    expect((byUrl.body as Json).url).toBe('https://files.example.com/cv.pdf');
  });

  it('refuses take_home_test unless the application has an outstanding test', async () => {
    const a = sb.orgs[0]!.org.applications.all()[3]!;
    const body = {
      filename: 'test.pdf',
      type: 'take_home_test',
      content: pdf,
      content_type: 'application/pdf',
    };
    const refused = await post(a.id, body);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ errors: [{ field: 'type' }] });
    sb.admin.addOutstandingTest(sb.orgs[0]!.org.id, a.id);
    expect((await post(a.id, body)).status).toBe(201);
  });
});

describe('v1 stage moves', () => {
  it('moves between stages of the job, checking from_stage_id', async () => {
    const o = sb.orgs[0]!.org;
    const a = o.applications.all()[4]!;
    const stages = o.stagesOfJob(a.jobId);
    const to = stages.find((s) => s.id !== a.stageId)!;
    const h = { 'On-Behalf-Of': String(adminId) };
    const wrongFrom = await call(`${v1}/applications/${a.id}/move`, {
      method: 'POST',
      auth: auth(),
      headers: h,
      body: { from_stage_id: to.id, to_stage_id: to.id },
    });
    expect(wrongFrom.status).toBe(422);
    expect(wrongFrom.body).toMatchObject({ errors: [{ field: 'from_stage_id' }] });
    const otherJobStage = o.stagesOfJob(o.jobs.all().find((j) => j.id !== a.jobId)!.id)[0]!;
    const wrongTo = await call(`${v1}/applications/${a.id}/move`, {
      method: 'POST',
      auth: auth(),
      headers: h,
      body: { from_stage_id: a.stageId, to_stage_id: otherJobStage.id },
    });
    expect(wrongTo.body).toMatchObject({ errors: [{ field: 'to_stage_id' }] });
    const ok = await call(`${v1}/applications/${a.id}/move`, {
      method: 'POST',
      auth: auth(),
      headers: h,
      body: { from_stage_id: a.stageId, to_stage_id: to.id },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: a.id, current_stage: { id: to.id, name: to.name } });
    expectShape(ok.body, fixture('docs/harvest-v1/applications--post-move-application-same-job-2.json'));
  });
});
