import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readings, Sandbox } from '../../greenhouse-sandbox/index.js';
import { ASSUMPTIONS, parseReadings, startSandbox } from '../../greenhouse-sandbox/index.js';
import type { Received } from './helpers.js';
import { call, FakeServer, json, waitFor } from './helpers.js';

/**
 * Harvest v3 resources as today's sources describe them (docs/greenhouse.md), each in its documented
 * mode, and each unconfirmed reading under both of its values.
 */

type Json = Record<string, unknown>;

let sb: Sandbox;
let t: string;
const v3 = () => `${sb.url}/v3`;
const org = () => sb.orgs[0]!;

beforeAll(async () => {
  sb = await startSandbox({
    orgs: [{ candidates: 60 }],
    rateLimit: { v3: { limit: 100_000 }, token: { limit: 10_000 } },
  });
  t = `Bearer ${await sb.v3Token(org())}`;
});
afterAll(async () => sb?.close());

const get = (path: string) => call(`${v3()}${path}`, { auth: t });
const post = (path: string, body: unknown) => call(`${v3()}${path}`, { method: 'POST', auth: t, body });
const patch = (path: string, body: unknown) => call(`${v3()}${path}`, { method: 'PATCH', auth: t, body });
const one = async (path: string) => ((await get(path)).body as Json[])[0]!;

/** With the reading switched for the duration of `fn`. */
async function under<K extends keyof Readings>(name: K, value: Readings[K], fn: () => Promise<void>) {
  const before = sb.readings[name];
  sb.readings[name] = value;
  try {
    await fn();
  } finally {
    sb.readings[name] = before;
  }
}

describe('reading one record and filtering lists', () => {
  it('GET /v3/applications/{id} and /v3/candidates/{id} answer 404; ?ids= reads one', async () => {
    const a = org().org.applications.all()[0]!;
    expect((await get(`/applications/${a.id}`)).status).toBe(404);
    expect((await get(`/candidates/${a.candidateId}`)).status).toBe(404);
    expect(await one(`/applications?ids=${a.id}`)).toMatchObject({ id: a.id, candidate_id: a.candidateId });
    expect(await one(`/candidates?ids=${a.candidateId}`)).toMatchObject({ id: a.candidateId });
  });

  it('filters are plural comma lists of at most 50 ids, lists run by id descending', async () => {
    const apps = org().org.applications.all();
    const some = [apps[1]!, apps[4]!, apps[2]!];
    const r = await get(`/applications?ids=${some.map((a) => a.id).join(',')}`);
    expect((r.body as Json[]).map((x) => x.id)).toEqual(some.map((a) => a.id).sort((x, y) => y - x));
    const job = org().org.jobs.all()[0]!;
    const byJob = (await get(`/applications?job_ids=${job.id}&per_page=500`)).body as Json[];
    expect(byJob.length).toBeGreaterThan(0);
    expect(byJob.every((x) => x.job_id === job.id)).toBe(true);
    const c = some[0]!.candidateId;
    expect(
      ((await get(`/applications?candidate_ids=${c}`)).body as Json[]).map((x) => x.candidate_id),
    ).toEqual(
      org()
        .org.candidates.get(c)!
        .applicationIds.map(() => c),
    );
    const fifty = apps.slice(0, ASSUMPTIONS.v3MaxFilterIds).map((a) => a.id);
    expect((await get(`/applications?ids=${fifty.join(',')}&per_page=500`)).body).toHaveLength(50);
    const tooMany = await get(`/applications?ids=${[...fifty, apps[50]!.id].join(',')}`);
    expect(tooMany).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'ids', message: 'ids takes at most 50 ids' }] },
    });
    const garbage = await get(`/applications?candidate_ids=1,x`);
    expect(garbage).toMatchObject({ status: 422, body: { errors: [{ field: 'candidate_ids' }] } });
  });

  it('an unknown query parameter (a singular filter too) answers 422 naming it', async () => {
    const a = org().org.applications.all()[0]!;
    for (const [path, field] of [
      [`/applications?candidate_id=${a.candidateId}`, 'candidate_id'],
      [`/notes?candidate_id=${a.candidateId}`, 'candidate_id'],
      [`/attachments?application_id=${a.id}`, 'application_id'],
      [`/job_interview_stages?job_id=${a.jobId}`, 'job_id'],
      [`/custom_field_options?custom_field_id=1`, 'custom_field_id'],
      [`/jobs?status=open`, 'status'],
    ] as const) {
      const r = await get(path);
      expect(r.status, path).toBe(422);
      expect((r.body as { errors: Json[] }).errors[0]).toMatchObject({
        field,
        message: expect.stringMatching(new RegExp(`^Unknown query parameter: ${field}`)),
      });
    }
  });
});

describe('actions answer 204 with no body', () => {
  it('move (from_stage_id guards), reject and hire', async () => {
    const [a, b, c] = org().org.applications.all().slice(10, 13);
    const to = org()
      .org.stagesOfJob(a!.jobId)
      .find((s) => s.id !== a!.stageId)!;
    const stale = await post(`/applications/${a!.id}/move`, {
      from_stage_id: a!.stageId,
      to_stage_id: to.id,
    });
    // today's reading: stage_id is an application-stage id, so the job stage id is not the guard
    expect(stale).toMatchObject({ status: 422, body: { errors: [{ field: 'from_stage_id' }] } });
    expect(org().org.applications.get(a!.id)!.stageId).not.toBe(to.id); // nothing changed
    const read = await one(`/applications?ids=${a!.id}`);
    const mv = await post(`/applications/${a!.id}/move`, {
      from_stage_id: read.stage_id,
      to_stage_id: to.id,
    });
    expect(mv).toMatchObject({ status: 204, body: null });
    expect(org().org.applications.get(a!.id)!.stageId).toBe(to.id);
    // the guard again: the stage_id read before the move is stale now
    expect(
      (await post(`/applications/${a!.id}/move`, { from_stage_id: read.stage_id, to_stage_id: to.id }))
        .status,
    ).toBe(422);

    expect(await post(`/applications/${b!.id}/reject`, {})).toMatchObject({ status: 204, body: null });
    expect(org().org.applications.get(b!.id)!.status).toBe('rejected');
    expect(await post(`/applications/${c!.id}/hire`, {})).toMatchObject({ status: 204, body: null });
    expect(org().org.applications.get(c!.id)!.status).toBe('hired');
    expect((await post(`/applications/${c!.id}/hire`, {})).status).toBe(422);
  });
});

describe('stage ids (reading v3StageId)', () => {
  it('application_stage (default): its own id and stage_name; job_stage: the job stage id, no name', async () => {
    const a = org().org.applications.all()[20]!;
    const stage = org().org.stages.get(a.stageId!)!;
    const now = await one(`/applications?ids=${a.id}`);
    expect(now.stage_id).not.toBe(stage.id);
    expect(now.stage_name).toBe(stage.name);
    await under('v3StageId', 'job_stage', async () => {
      const older = await one(`/applications?ids=${a.id}`);
      expect(older.stage_id).toBe(stage.id);
      expect(older).not.toHaveProperty('stage_name');
      const to = org()
        .org.stagesOfJob(a.jobId)
        .find((s) => s.id !== a.stageId)!;
      const mv = await post(`/applications/${a.id}/move`, { from_stage_id: stage.id, to_stage_id: to.id });
      expect(mv.status).toBe(204);
    });
  });
});

describe('notes (reading v3NoteBody)', () => {
  it('typed (default): note_type and user_id required; read back with *_visible visibilities', async () => {
    const a = org().org.applications.all()[30]!;
    const base = { candidate_id: a.candidateId, body: 'Typed', visibility: 'admin_only' };
    const before = org().org.candidates.get(a.candidateId)!.notes.length;
    const missing = await post('/notes', base);
    expect(missing.status).toBe(422);
    expect((missing.body as { errors: Json[] }).errors.map((e) => e.field)).toEqual(['note_type', 'user_id']);
    expect(org().org.candidates.get(a.candidateId)!.notes).toHaveLength(before); // nothing written
    const ok = await post('/notes', {
      ...base,
      application_id: a.id,
      note_type: 'note',
      user_id: org().siteAdmin.id,
    });
    expect(ok.status).toBe(201);
    for (const [written, read] of [
      ['public', 'publicly_visible'],
      ['private', 'privately_visible'],
      ['admin_only', 'admin_only_visible'],
    ])
      expect(
        (
          await post('/notes', {
            ...base,
            visibility: written,
            note_type: 'note',
            user_id: org().siteAdmin.id,
          })
        ).body,
      ).toMatchObject({ visibility: read, note_type: 'note' });
    const byApp = (await get(`/notes?application_ids=${a.id}`)).body as Json[];
    expect(byApp.map((n) => n.id)).toEqual([(ok.body as Json).id]);
    const wrongApp = await post('/notes', {
      ...base,
      application_id: org()
        .org.applications.all()
        .find((x) => x.candidateId !== a.candidateId)!.id,
      note_type: 'note',
      user_id: org().siteAdmin.id,
    });
    expect(wrongApp).toMatchObject({ status: 422, body: { errors: [{ field: 'application_id' }] } });
  });

  it('plain: {candidate_id, body, visibility} with the sub as author; extra fields ignored', async () => {
    await under('v3NoteBody', 'plain', async () => {
      const c = org().org.candidates.all()[31]!;
      const r = await post('/notes', { candidate_id: c.id, body: 'Plain', visibility: 'private' });
      expect(r).toMatchObject({
        status: 201,
        body: { user_id: org().siteAdmin.id, visibility: 'privately_visible' },
      });
      const full = await post('/notes', {
        candidate_id: c.id,
        body: 'Plain+',
        visibility: 'private',
        note_type: 'note',
        user_id: org().siteAdmin.id,
      });
      expect(full.status).toBe(201);
    });
  });
});

describe('attachments', () => {
  const pdf = Buffer.from('%PDF-1.4').toString('base64');
  it('take no content_type and check the filename extension; a refusal stores nothing', async () => {
    const a = org().org.applications.all()[40]!;
    const body = {
      application_id: a.id,
      filename: 'report.pdf',
      type: 'other',
      content: pdf,
      visibility: 'public',
    };
    const count = () => org().org.applications.get(a.id)!.attachments.length;
    const withType = await post('/attachments', { ...body, content_type: 'application/pdf' });
    expect(withType).toMatchObject({ status: 422, body: { errors: [{ field: 'content_type' }] } });
    const exe = await post('/attachments', { ...body, filename: 'report.exe' });
    expect(exe).toMatchObject({
      status: 422,
      body: {
        errors: [{ field: 'filename', message: 'files of type .exe are not allowed by this organization' }],
      },
    });
    expect((await post('/attachments', { ...body, filename: 'report' })).status).toBe(422);
    expect(count()).toBe(0);
    const ok = await post('/attachments', body);
    expect(ok).toMatchObject({ status: 201, body: { filename: 'report.pdf', visibility: 'public' } });
    expect(ok.body).not.toHaveProperty('content_type');
    expect(
      ((await get(`/attachments?application_ids=${a.id}`)).body as Json[]).map((x) => x.filename),
    ).toEqual(['report.pdf']);
  });
});

describe('custom fields (reading v3CustomFieldKey)', () => {
  const field = (nameKey: string) =>
    org()
      .org.customFields.all()
      .find((f) => f.nameKey === nameKey)!;
  it('name_key (default): by name_key only, cleared with value null', async () => {
    const a = org().org.applications.all()[41]!;
    const f = field('application_number');
    expect(
      (await patch(`/applications/${a.id}`, { custom_fields: [{ name_key: f.nameKey, value: 5 }] })).status,
    ).toBe(200);
    expect(org().org.applications.get(a.id)!.customFields.get(f.id)).toBe(5);
    const byId = await patch(`/applications/${a.id}`, { custom_fields: [{ id: f.id, value: 6 }] });
    expect(byId).toMatchObject({ status: 422, body: { errors: [{ field: 'custom_fields[0].name_key' }] } });
    const del = await patch(`/applications/${a.id}`, {
      custom_fields: [{ name_key: f.nameKey, delete_value: 'true' }],
    });
    expect(del.status).toBe(422);
    expect(org().org.applications.get(a.id)!.customFields.get(f.id)).toBe(5);
    const cleared = await patch(`/applications/${a.id}`, {
      custom_fields: [{ name_key: f.nameKey, value: null }],
    });
    expect(cleared.status).toBe(200);
    expect(org().org.applications.get(a.id)!.customFields.has(f.id)).toBe(false);
  });

  it('id_or_name_key: the v1 rule (id or name_key, delete_value clears, null refused)', async () => {
    await under('v3CustomFieldKey', 'id_or_name_key', async () => {
      const a = org().org.applications.all()[42]!;
      const f = field('application_number');
      expect((await patch(`/applications/${a.id}`, { custom_fields: [{ id: f.id, value: 7 }] })).status).toBe(
        200,
      );
      expect(org().org.applications.get(a.id)!.customFields.get(f.id)).toBe(7);
      expect(
        (await patch(`/applications/${a.id}`, { custom_fields: [{ id: f.id, value: null }] })).status,
      ).toBe(422);
      expect(
        (
          await patch(`/applications/${a.id}`, {
            custom_fields: [{ name_key: f.nameKey, delete_value: 'true' }],
          })
        ).status,
      ).toBe(200);
      expect(org().org.applications.get(a.id)!.customFields.has(f.id)).toBe(false);
    });
  });
});

describe('job owners', () => {
  it('carry type (sourcer | recruiter | coordinator) and responsible', async () => {
    const job = org().org.jobs.all()[0]!;
    const owners = (await get(`/job_owners?job_ids=${job.id}`)).body as Json[];
    expect(owners.length).toBeGreaterThan(0);
    for (const o of owners) {
      expect(['sourcer', 'recruiter', 'coordinator']).toContain(o.type);
      expect(typeof o.responsible).toBe('boolean');
    }
  });
});

describe('readings from the environment', () => {
  it('SANDBOX_READINGS parses name=value pairs and names a bad one', () => {
    expect(parseReadings('v3StageId=job_stage, v3NonAdminLists=forbidden')).toEqual({
      v3StageId: 'job_stage',
      v3NonAdminLists: 'forbidden',
    });
    expect(parseReadings(undefined)).toEqual({});
    expect(() => parseReadings('v3StageId=both')).toThrow(
      'sandbox reading v3StageId must be one of application_stage, job_stage (got "both")',
    );
    expect(() => parseReadings('nope=1')).toThrow(/unknown sandbox reading "nope"/);
  });
});

describe('webhooks', () => {
  let hooks: FakeServer;
  let answer = 200;
  let ws: Sandbox;
  beforeAll(async () => {
    hooks = await new FakeServer((_r, res) => json(res, answer, {})).start();
    // the documented schedule compressed 1,000,000×: 60 s → 0.06 ms … 480 min → 28.8 ms
    ws = await startSandbox({ orgs: [{ candidates: 3 }], webhooks: { retryScale: 0.000_001 } });
  });
  afterAll(async () => {
    await ws?.close();
    await hooks?.stop();
  });

  it('the documented schedule: 7 attempts, waiting 1, 15, 60, 120, 240 and 480 minutes', () => {
    expect(ASSUMPTIONS.webhookRetryDelaysS.map((s) => s / 60)).toEqual([1, 15, 60, 120, 240, 480]);
  });

  it('the ping has the documented body; only a 200 enables the hook', async () => {
    answer = 204;
    const o = ws.orgs[0]!.org;
    await ws.admin.configureIntegration(o.id, {
      webhook: { url: `${hooks.url}/hooks`, secret: 's', ping: true },
    });
    expect(o.integration.webhook?.enabled).toBe(false); // a 204 is not a 200
    const ping = hooks.received.at(-1)!;
    const body = JSON.parse(ping.raw.toString()) as { action: string; payload: Json };
    expect(body.action).toBe('ping');
    expect(Object.keys(body.payload).sort()).toEqual(
      [
        'active',
        'content-type',
        'created_at',
        'endpoint_url',
        'event',
        'name',
        'updated_at',
        'web_hook_id',
      ].sort(),
    );
    expect(body.payload).toMatchObject({ endpoint_url: `${hooks.url}/hooks`, active: true });
    answer = 200;
    await ws.admin.configureIntegration(o.id, {
      webhook: { url: `${hooks.url}/hooks`, secret: 's', ping: true },
    });
    expect(o.integration.webhook?.enabled).toBe(true);
  });

  it('any non-200 answer is a failure: 7 attempts, then failed', async () => {
    answer = 202;
    const o = ws.orgs[0]!.org;
    const app = o.applications.all()[0]!;
    const mark = hooks.received.length;
    ws.admin.reject(o.id, app.id);
    const d = await waitFor(
      () =>
        ws.webhooks.deliveries({ orgId: o.id, action: 'reject_candidate' }).find((x) => x.state === 'failed'),
      10_000,
    );
    expect(d.attempts.map((x) => x.status)).toEqual([202, 202, 202, 202, 202, 202, 202]);
    const got: Received[] = hooks.received.slice(mark);
    expect(got).toHaveLength(7);
    expect(new Set(got.map((r) => r.headers['greenhouse-event-id'])).size).toBe(1);
    answer = 200;
  });
});
