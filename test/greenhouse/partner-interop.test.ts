import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import { sendCompletionPatch } from '../../greenhouse/callback/index.js';
import type { SendTestRequest, TestStatusResponse } from '../../greenhouse/partner/index.js';
import {
  buildTestStatus,
  ListTestsResponseSchema,
  parseGreenhouseProfileUrl,
  parsePartnerBasicAuth,
  RESPONSE_ERROR_ACK,
  ResponseErrorRequestSchema,
  SendTestRequestSchema,
} from '../../greenhouse/partner/index.js';
import type { Captured } from './helpers.js';
import { CaptureServer, waitFor } from './helpers.js';

/**
 * A minimal partner API made of our building blocks, called by the sandbox's Greenhouse client: our
 * parsers accept what Greenhouse sends, and Greenhouse accepts what our builders answer.
 */
const PARTNER_KEY = 'pk_' + 'x'.repeat(100);

let sb: Sandbox;
let partner: CaptureServer;
let callbackKey: string;
const sendTests: SendTestRequest[] = [];
const responseErrors: unknown[] = [];
let status: () => unknown = () => buildTestStatus({ status: 'sent' });

const json = (res: ServerResponse, code: number, body: unknown): void => {
  res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

function handle(req: Captured, res: ServerResponse): void {
  const auth = parsePartnerBasicAuth(req.headers.authorization);
  if (!auth.ok || auth.apiKey !== PARTNER_KEY) return json(res, 401, { message: 'bad key' });
  const path = req.path.split('?')[0];
  if (path === '/partner/list_tests') {
    return json(
      res,
      200,
      ListTestsResponseSchema.parse([
        { partner_test_id: '12345', partner_test_name: 'My First Test' },
        { partner_test_id: '54321', partner_test_name: 'My Second Test' },
      ]),
    );
  }
  if (path === '/partner/send_test') {
    const r = SendTestRequestSchema.safeParse(JSON.parse(req.raw.toString('utf8')));
    if (!r.success) return json(res, 400, { errors: r.error.issues.map((i) => i.message) });
    sendTests.push(r.data);
    return json(res, 200, { partner_interview_id: `pi-${sendTests.length}` });
  }
  if (path === '/partner/test_status') return json(res, 200, status());
  if (path === '/partner/response_error') {
    responseErrors.push(ResponseErrorRequestSchema.parse(JSON.parse(req.raw.toString('utf8'))));
    return json(res, 200, RESPONSE_ERROR_ACK);
  }
  json(res, 404, {});
}

beforeAll(async () => {
  partner = await new CaptureServer(handle).start();
  sb = await startSandbox({ orgs: [{ candidates: 10 }] });
  callbackKey = `callback-${Date.now()}`;
  await sb.admin.configureIntegration(sb.orgs[0]!.org.id, {
    partnerApi: { baseUrl: `${partner.url}/partner`, apiKey: PARTNER_KEY },
    callbackAuth: { kind: 'basic_key', key: callbackKey },
  });
});
afterAll(async () => {
  await sb?.close();
  await partner?.stop();
});

const org = () => sb.orgs[0]!.org;

describe('our partner building blocks against the sandbox Greenhouse', () => {
  it('list_tests: Greenhouse accepts our answer', async () => {
    const r = await sb.admin.listTests(org().id);
    expect(r).toMatchObject({ status: 200, errors: [] });
  });

  it('send_test: the body parses and the profile URL gives the sandbox ids', async () => {
    const a = org().applications.all()[0]!;
    const { result } = await sb.admin.sendTest(org().id, a.id, { partnerTestId: '12345' });
    expect(result).toMatchObject({ status: 200, errors: [] });
    const req = sendTests.at(-1)!;
    expect(req.candidate.preferred_name).toBeNull();
    const profile = parseGreenhouseProfileUrl(req.candidate.greenhouse_profile_url);
    expect(profile).toEqual({
      ok: true,
      profile: {
        host: new URL(sb.url).host,
        candidateId: String(a.candidateId),
        applicationId: String(a.id),
      },
    });
  });

  it('completion: our PATCH, then Greenhouse reads our built test_status and applies it', async () => {
    const a = org()
      .applications.all()
      .find((x) => x.status === 'active')!;
    const { test } = await sb.admin.sendTest(org().id, a.id, { partnerTestId: '54321' });
    const callback = sendTests.at(-1)!.url;
    const answer: TestStatusResponse = buildTestStatus({
      status: 'complete',
      profileUrl: 'https://vendor.example/results/1',
      score: 81,
      metadata: { 'Started At': '10:15', Passed: true, Attempts: 2, Note: null },
    });
    status = () => answer;
    await expect(sendCompletionPatch({ url: callback, credential: callbackKey })).resolves.toEqual({
      status: 200,
    });
    const check = await waitFor('test_status after the PATCH', () =>
      sb.partner.calls.find((c) => c.call === 'test_status' && c.testId === test.id && c.trigger === 'patch'),
    );
    expect(check).toMatchObject({ status: 200, errors: [], applied: true });
    expect(test).toMatchObject({ partnerStatus: 'complete', partnerScore: 81 });
  });

  it('response_error: what Greenhouse reports about a malformed answer parses', async () => {
    const a = org()
      .applications.all()
      .find((x) => x.status === 'active')!;
    const { test } = await sb.admin.sendTest(org().id, a.id, { partnerTestId: '12345' });
    status = () => ({ partner_status: 'complete' }); // bypasses buildTestStatus on purpose
    const before = responseErrors.length;
    await sb.admin.checkStatus(org().id, test.id);
    expect(responseErrors.slice(before)).toEqual([
      expect.objectContaining({
        api_call: 'test_status',
        errors: ["partner_status is 'complete' but partner_profile url is missing"],
        partner_test_id: '12345',
      }),
    ]);
  });
});
