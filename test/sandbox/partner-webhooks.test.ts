import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import type { Received } from './helpers.js';
import { basic, call, expectShape, FakeServer, fixture, json, waitFor } from './helpers.js';

type Json = Record<string, unknown>;

const PARTNER_KEY = 'partner-key-123';
const CALLBACK_KEY = 'callback-key-456';
const HOOK_SECRET = 'whsec-789';

let sb: Sandbox;
let partner: FakeServer;
let hooks: FakeServer;
let statusAnswer: { status: number; body: unknown } = {
  status: 200,
  body: { partner_status: 'in_progress' },
};
let sendAnswer: { status: number; body: unknown } = { status: 200, body: { partner_interview_id: 'pi-1' } };
let hookStatus: () => number = () => 200;

beforeAll(async () => {
  partner = await new FakeServer((r, res) => {
    if (r.path === '/partner/list_tests')
      return json(res, 200, fixture('docs/assessment/list_tests--response.json'));
    if (r.path === '/partner/send_test') return json(res, sendAnswer.status, sendAnswer.body);
    if (r.path === '/partner/test_status') return json(res, statusAnswer.status, statusAnswer.body);
    if (r.path === '/partner/response_error') return json(res, 200, { status: 200 });
    json(res, 404, {});
  }).start();
  hooks = await new FakeServer((_r, res) => json(res, hookStatus(), {})).start();
  // One check reads a deleted candidate through legacy Harvest v1: the "v1 still live" switch is on.
  sb = await startSandbox({
    v1: 'live',
    orgs: [{ candidates: 40 }],
    webhooks: { retryDelaysMs: [30, 30, 30] },
  });
  await sb.admin.configureIntegration(sb.orgs[0]!.org.id, {
    partnerApi: { baseUrl: `${partner.url}/partner`, apiKey: PARTNER_KEY },
    callbackAuth: { kind: 'basic_key', key: CALLBACK_KEY },
    webhook: { url: `${hooks.url}/hooks`, secret: HOOK_SECRET },
  });
});
afterAll(async () => {
  await sb.close();
  await partner.stop();
  await hooks.stop();
});
beforeEach(() => {
  statusAnswer = { status: 200, body: { partner_status: 'in_progress' } };
  sendAnswer = { status: 200, body: { partner_interview_id: 'pi-1' } };
  hookStatus = () => 200;
});

const org = () => sb.orgs[0]!;
const partnerCalls = (path: string) => partner.received.filter((r) => r.path === `/partner/${path}`);
const bodyOf = (r: Received) => JSON.parse(r.raw.toString('utf8')) as Json;

describe('Greenhouse calls our partner API', () => {
  it('list_tests with Basic <partner key>: (empty password)', async () => {
    const r = await sb.admin.listTests(org().org.id);
    expect(r.errors).toEqual([]);
    const req = partnerCalls('list_tests').at(-1)!;
    expect(req.method).toBe('GET');
    expect(req.headers.authorization).toBe(basic(PARTNER_KEY));
  });

  it('send_test carries the exact documented body, preferred_name null and a callback url', async () => {
    sendAnswer = { status: 200, body: { partner_interview_id: 'pi-777' } };
    const a = org().org.applications.all()[0]!;
    const c = org().org.candidates.get(a.candidateId)!;
    const res = await call(`${sb.url}/_sandbox/orgs/${org().org.id}/applications/${a.id}/send_test`, {
      method: 'POST',
      body: { partner_test_id: '12345', partner_test_name: 'My First Test' },
    });
    expect(res.status).toBe(200);
    const req = partnerCalls('send_test').at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.headers.authorization).toBe(basic(PARTNER_KEY));
    expect(req.headers['content-type']).toBe('application/json');
    const body = bodyOf(req);
    const doc = fixture<Json>('docs/assessment/send_test--request.json');
    expect(Object.keys(body).sort()).toEqual(Object.keys(doc).sort());
    expect(Object.keys(body.candidate as Json).sort()).toEqual(Object.keys(doc.candidate as Json).sort());
    expect(body).toMatchObject({
      partner_test_id: '12345',
      sent_by: org().siteAdmin.emails[0],
      candidate: {
        first_name: c.firstName,
        last_name: c.lastName,
        preferred_name: null,
        email: c.emails[0]!.value,
        phone_number: c.phones[0]!.value,
      },
    });
    const profile = new URL((body.candidate as Json).greenhouse_profile_url as string);
    expect(profile.pathname).toBe(`/people/${c.id}`);
    expect(profile.searchParams.get('application_id')).toBe(String(a.id));
    expect(body.url).toMatch(/\/integrations\/testing_partners\/take_home_tests\/\d+$/);
    const test = org().org.testsOf(a.id)[0]!;
    expect(test).toMatchObject({ state: 'sent', partnerInterviewId: 'pi-777' });
    // The resume link works (and carries a 7-day expiry).
    expect((await fetch((body.candidate as Json).resume_url as string)).status).toBe(200);
  });

  it('reports a malformed send_test answer to response_error', async () => {
    sendAnswer = { status: 200, body: { id: 5 } };
    const a = org().org.applications.all()[1]!;
    const { test, result } = await sb.admin.sendTest(org().org.id, a.id, { partnerTestId: '54321' });
    expect(test.state).toBe('send_failed');
    expect(result.errors).toEqual(['partner_interview_id must be a non-empty string']);
    const report = bodyOf(partnerCalls('response_error').at(-1)!);
    expect(report).toMatchObject({
      api_call: 'send_test',
      errors: ['partner_interview_id must be a non-empty string'],
      partner_test_id: '54321',
    });
  });

  it('a repeated click can reuse the same take-home test (same url)', async () => {
    const a = org().org.applications.all()[2]!;
    await sb.admin.sendTest(org().org.id, a.id, { partnerTestId: '12345' });
    await sb.admin.sendTest(org().org.id, a.id, { partnerTestId: '12345', reuse: true });
    const sends = partnerCalls('send_test').slice(-2).map(bodyOf);
    expect(sends[0]!.url).toBe(sends[1]!.url);
    expect(org().org.testsOf(a.id)).toHaveLength(1);
  });
});

describe('completion PATCH → test_status at once', () => {
  const sendFor = async (i: number, interviewId: string) => {
    sendAnswer = { status: 200, body: { partner_interview_id: interviewId } };
    const a = org().org.applications.all()[i]!;
    const { test } = await sb.admin.sendTest(org().org.id, a.id, {
      partnerTestId: '12345',
      partnerTestName: 'My First Test',
    });
    return { a, test, url: `${sb.url}/integrations/testing_partners/take_home_tests/${test.id}` };
  };

  it('authenticates the PATCH with the callback credential, then calls test_status and stores the result', async () => {
    const { test, url } = await sendFor(5, 'pi-complete');
    statusAnswer = { status: 200, body: fixture('docs/assessment/test_status--response.json') };
    const before = partnerCalls('test_status').length;
    expect((await call(url, { method: 'PATCH', auth: basic('wrong') })).status).toBe(401);
    expect((await call(url, { method: 'PATCH' })).status).toBe(401);
    expect(
      (
        await call(`${sb.url}/integrations/testing_partners/take_home_tests/1`, {
          method: 'PATCH',
          auth: basic(CALLBACK_KEY),
        })
      ).status,
    ).toBe(404);
    expect(partnerCalls('test_status').length).toBe(before);
    const ok = await call(url, { method: 'PATCH', auth: basic(CALLBACK_KEY) });
    expect(ok.status).toBe(200);
    const req = await waitFor(
      () => partnerCalls('test_status').length > before && partnerCalls('test_status').at(-1),
    );
    expect(req.query.get('partner_interview_id')).toBe('pi-complete');
    expect(req.headers.authorization).toBe(basic(PARTNER_KEY));
    await sb.idle();
    expect(test).toMatchObject({
      partnerStatus: 'complete',
      partnerScore: 81,
      partnerProfileUrl: 'http://example.com/tests/12345',
    });
    const check = sb.partner.calls.filter((c) => c.call === 'test_status' && c.testId === test.id).at(-1)!;
    expect(check).toMatchObject({ trigger: 'patch', errors: [], applied: true });
    const patches = (await call(`${sb.url}/_sandbox/partner/patches`)).body as Json[];
    expect(patches.filter((p) => p.testId === test.id).map((p) => p.status)).toEqual([401, 401, 200]);
  });

  it('complete without partner_profile_url is malformed and reported to response_error', async () => {
    const { a, test, url } = await sendFor(6, 'pi-bad');
    statusAnswer = { status: 200, body: { partner_status: 'complete', partner_score: 50 } };
    const before = partnerCalls('response_error').length;
    await call(url, { method: 'PATCH', auth: basic(CALLBACK_KEY) });
    const rep = await waitFor(
      () => partnerCalls('response_error').length > before && partnerCalls('response_error').at(-1),
    );
    const c = org().org.candidates.get(a.candidateId)!;
    expect(bodyOf(rep)).toEqual({
      api_call: 'test_status',
      errors: ["partner_status is 'complete' but partner_profile url is missing"],
      partner_test_id: '12345',
      partner_test_name: 'My First Test',
      partner_interview_id: 'pi-bad',
      candidate_email: c.emails[0]!.value,
    });
    expectShape(bodyOf(rep), fixture('docs/assessment/response_error--request.json'));
    expect(test.partnerStatus).toBeNull();
  });

  it('other malformed answers: non-numeric score, nested metadata', async () => {
    const { test } = await sendFor(7, 'pi-meta');
    statusAnswer = {
      status: 200,
      body: { partner_status: 'in_progress', partner_score: '9', metadata: { a: { b: 1 } } },
    };
    const r = await sb.admin.checkStatus(org().org.id, test.id);
    expect(r.errors).toEqual([
      'partner_score must be a number',
      'metadata values must be strings, numbers or booleans',
    ]);
  });

  it('updates only stick while the candidate is active and unhired', async () => {
    const { a, test, url } = await sendFor(8, 'pi-hired');
    sb.admin.hire(org().org.id, a.id);
    statusAnswer = { status: 200, body: fixture('docs/assessment/test_status--response.json') };
    await call(url, { method: 'PATCH', auth: basic(CALLBACK_KEY) });
    await waitFor(() => sb.partner.calls.find((c) => c.call === 'test_status' && c.testId === test.id));
    expect(sb.partner.calls.find((c) => c.call === 'test_status' && c.testId === test.id)).toMatchObject({
      errors: [],
      applied: false,
    });
    expect(test.partnerStatus).toBeNull();
  });
});

describe('webhooks', () => {
  const verify = (r: Received) => {
    const expected = createHmac('sha256', HOOK_SECRET).update(r.raw).digest('hex');
    expect(r.headers.signature).toBe(`sha256 ${expected}`);
  };
  const lastHook = (action: string) => hooks.received.filter((r) => bodyOf(r).action === action).at(-1);

  it('a recruiter moving a candidate into a stage sends a signed candidate_stage_change', async () => {
    const o = org().org;
    // Pick a candidate whose name has non-ASCII letters: the body must carry them \u-escaped.
    const c = o.candidates.all().find((x) => /[^ -~]/.test(x.firstName + x.lastName))!;
    const a = o.applications.get(c.applicationIds[0]!)!;
    const target = o.stagesOfJob(a.jobId).find((s) => s.takeHomeTest)!;
    if (a.stageId === target.id) sb.admin.moveStage(o.id, a.id, { stageName: 'Application Review' });
    const before = hooks.received.length;
    const res = await call(`${sb.url}/_sandbox/orgs/${o.id}/applications/${a.id}/move`, {
      method: 'POST',
      body: { to_stage_name: 'Take Home Test' },
    });
    expect(res.status).toBe(200);
    const r = await waitFor(() =>
      hooks.received.slice(before).find((x) => bodyOf(x).action === 'candidate_stage_change'),
    );
    verify(r);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['greenhouse-event-id']).toMatch(/^[0-9a-f-]{36}$/);
    const raw = r.raw.toString('utf8');
    // Every byte is printable ASCII: non-ASCII letters travel \u-escaped.
    expect(/[^ -~]/.test(raw)).toBe(false);
    expect(raw).toMatch(/\\u00[0-9a-f]{2}|\\u01[0-9a-f]{2}/);
    const body = bodyOf(r) as { payload: { application: Json } };
    expect(body.payload.application).toMatchObject({
      id: a.id,
      current_stage: { id: target.id, name: 'Take Home Test' },
      candidate: { id: c.id, first_name: c.firstName },
    });
    expectShape(body, fixture('docs/webhooks/candidate_events--candidate-stage-change.json'), '$', [
      'custom_fields',
      'interviews',
      'educations',
      'employments',
      'departments',
      'offices',
      'source',
      'recruiter',
      'coordinator',
      'attachments',
    ]);
  });

  it('hire, reject, delete and anonymize send their actions, shaped like the docs', async () => {
    const o = org().org;
    const [a1, a2] = o.applications
      .all()
      .filter((x) => x.status === 'active')
      .slice(20, 22);
    sb.admin.hire(o.id, a1!.id);
    sb.admin.reject(o.id, a2!.id);
    const cDel = o.candidates.all()[30]!;
    const cAnon = o.candidates.all()[31]!;
    await call(`${sb.url}/_sandbox/orgs/${o.id}/candidates/${cDel.id}/delete`, { method: 'POST' });
    await call(`${sb.url}/_sandbox/orgs/${o.id}/candidates/${cAnon.id}/anonymize`, {
      method: 'POST',
      body: { fields: ['full_name', 'current_title'] },
    });
    await sb.idle();
    const skip = [
      'custom_fields',
      'interviews',
      'educations',
      'employments',
      'departments',
      'offices',
      'source',
      'recruiter',
      'coordinator',
      'attachments',
      'opening',
      'offer',
      'job',
      'credited_to',
      'rejection_reason',
    ];
    const hire = lastHook('hire_candidate')!;
    verify(hire);
    expectShape(bodyOf(hire), fixture('docs/webhooks/candidate_events--candidate-hired.json'), '$', skip);
    const rej = lastHook('reject_candidate')!;
    verify(rej);
    expect(bodyOf(rej)).toMatchObject({ payload: { application: { id: a2!.id, status: 'rejected' } } });
    expectShape(
      bodyOf(rej),
      fixture('docs/webhooks/candidate_events--candidate-prospect-rejected.json'),
      '$',
      skip,
    );
    const del = lastHook('delete_candidate')!;
    verify(del);
    expect(bodyOf(del)).toMatchObject({
      payload: { person: { id: cDel.id, deleted_application_ids: cDel.applicationIds } },
    });
    expectShape(bodyOf(del), fixture('docs/webhooks/candidate_events--candidate-deleted.json'));
    const anon = lastHook('candidate_anonymized')!;
    verify(anon);
    expect(bodyOf(anon)).toEqual({
      action: 'candidate_anonymized',
      payload: { candidate_id: cAnon.id, anonymized_fields: ['full_name', 'current_title'] },
    });
    const ids = hooks.received.map((r) => r.headers['greenhouse-event-id']);
    expect(new Set(ids).size).toBe(ids.length);
    // Harvest no longer serves the deleted candidate.
    expect(
      (await call(`${sb.url}/v1/candidates/${cDel.id}`, { auth: basic(org().credentials.v1.key) })).status,
    ).toBe(404);
  });

  it('retries a failed delivery on the compressed schedule with the same event id, then gives up', async () => {
    let n = 0;
    hookStatus = () => (++n <= 2 ? 500 : 200);
    const o = org().org;
    const a = o.applications.all().filter((x) => x.status === 'active')[25]!;
    sb.admin.reject(o.id, a.id);
    const d = sb.webhooks.deliveries({ action: 'reject_candidate' }).at(-1)!;
    await waitFor(() => d.state === 'delivered');
    expect(d.attempts.map((x) => x.status)).toEqual([500, 500, 200]);
    const got = hooks.received.filter((r) => r.headers['greenhouse-event-id'] === d.eventId);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.raw.toString())).size).toBe(1);

    hookStatus = () => 503;
    const b = o.applications.all().filter((x) => x.status === 'active')[26]!;
    sb.admin.hire(o.id, b.id);
    const f = sb.webhooks.deliveries({ action: 'hire_candidate' }).at(-1)!;
    await waitFor(() => f.state === 'failed');
    expect(f.attempts).toHaveLength(4);
    const listed = (await call(`${sb.url}/_sandbox/webhooks/deliveries?action=hire_candidate`))
      .body as Json[];
    expect(listed.at(-1)).toMatchObject({ eventId: f.eventId, state: 'failed' });
  });

  it('a webhook whose setup ping fails is created disabled', async () => {
    const other = await sb.admin.createOrg({ candidates: 2 });
    hookStatus = () => 500;
    await sb.admin.configureIntegration(other.id, {
      webhook: { url: `${hooks.url}/hooks`, secret: 's', ping: true },
    });
    expect(sb.state.org(other.id)!.integration.webhook!.enabled).toBe(false);
    hookStatus = () => 200;
    await sb.admin.configureIntegration(other.id, {
      webhook: { url: `${hooks.url}/hooks`, secret: 's', ping: true },
    });
    expect(sb.state.org(other.id)!.integration.webhook!.enabled).toBe(true);
  });
});

describe('legacy polling', () => {
  it('polls test_status for sent tests until complete, skipping hired candidates', async () => {
    sendAnswer = { status: 200, body: { partner_interview_id: 'pi-poll' } };
    const o = org().org;
    const [a, b] = o.applications
      .all()
      .filter((x) => x.status === 'active')
      .slice(30, 32);
    const { test: ta } = await sb.admin.sendTest(o.id, a!.id, { partnerTestId: '12345' });
    const { test: tb } = await sb.admin.sendTest(o.id, b!.id, { partnerTestId: '12345' });
    sb.admin.hire(o.id, b!.id);
    statusAnswer = {
      status: 200,
      body: {
        partner_status: 'complete',
        partner_profile_url: 'https://vendor.example.com/r/1',
        partner_score: 70,
      },
    };
    await sb.partner.pollOnce(sb.state.orgs.values());
    expect(ta.partnerStatus).toBe('complete');
    expect(sb.partner.calls.some((c) => c.testId === tb.id && c.trigger === 'poll')).toBe(false);
    const before = sb.partner.calls.length;
    await sb.partner.pollOnce([o]);
    expect(sb.partner.calls.slice(before).some((c) => c.testId === ta.id)).toBe(false);
  });
});
