import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import {
  CALLBACK_AUTH_SCHEME,
  CallbackCredentialError,
  callbackAuthHeader,
  CompletionCallbackError,
  sendCompletionPatch,
} from '../../greenhouse/callback/index.js';
import { CaptureServer } from './helpers.js';

const CALLBACK_ROUTE = 'PATCH /integrations/testing_partners/take_home_tests/:id';

let sb: Sandbox;
let credential: string;

beforeAll(async () => {
  sb = await startSandbox({ orgs: [{ candidates: 5 }] });
  const auth = sb.orgs[0]!.org.integration.callbackAuth;
  if (auth.kind !== 'basic_key') throw new Error('the sandbox default is expected to be basic_key');
  credential = auth.key;
});
afterAll(async () => sb?.close());

const org = () => sb.orgs[0]!.org;
/** A take-home test in the sandbox and its callback URL, as send_test would have handed it to us. */
function callbackUrl(): { url: string; testId: number } {
  const a = org().applications.all()[0]!;
  const test = sb.admin.addOutstandingTest(org().id, a.id);
  return { url: `${sb.url}/integrations/testing_partners/take_home_tests/${test.id}`, testId: test.id };
}

async function failure(p: Promise<unknown>): Promise<CompletionCallbackError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CompletionCallbackError);
    const e = err as CompletionCallbackError;
    expect(e.message).not.toContain(credential);
    expect(JSON.stringify(e.toJSON())).not.toMatch(/Basic |Bearer /);
    return e;
  }
  throw new Error('expected a CompletionCallbackError');
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('callback auth header (the one place the unconfirmed scheme lives)', () => {
  it('defaults to Basic <credential>: like the sandbox', () => {
    expect(CALLBACK_AUTH_SCHEME).toBe('basic_key');
    expect(callbackAuthHeader('callback_key')).toBe(
      `Basic ${Buffer.from('callback_key:').toString('base64')}`,
    );
    expect(callbackAuthHeader('tok', 'bearer')).toBe('Bearer tok');
  });

  it('refuses credentials it cannot send', () => {
    expect(() => callbackAuthHeader('')).toThrow(CallbackCredentialError);
    expect(() => callbackAuthHeader('a:b')).toThrow(/":"/);
    expect(() => callbackAuthHeader('a\r\nX-Evil: 1')).toThrow(/line break/);
  });
});

describe('sendCompletionPatch against the sandbox callback route', () => {
  it('succeeds with the tenant callback credential', async () => {
    const { url, testId } = callbackUrl();
    await expect(sendCompletionPatch({ url, credential })).resolves.toEqual({ status: 200 });
    expect(sb.partner.patches.filter((p) => p.testId === testId)).toMatchObject([
      { status: 200, authorized: true },
    ]);
  });

  it('fails, not retryable, with a wrong credential (401)', async () => {
    const { url } = callbackUrl();
    const e = await failure(sendCompletionPatch({ url, credential: 'callback_wrong' }));
    expect(e).toMatchObject({ kind: 'unauthorized', retryable: false, status: 401, retryAfterMs: null });
    expect(e.message).toMatch(/rejected the callback credential/);
    expect(e.message).toContain('/integrations/testing_partners/take_home_tests/');
  });

  it('fails, not retryable, for an unknown test (404)', async () => {
    const e = await failure(
      sendCompletionPatch({
        url: `${sb.url}/integrations/testing_partners/take_home_tests/999999999`,
        credential,
      }),
    );
    expect(e).toMatchObject({ kind: 'not_found', retryable: false, status: 404 });
  });

  it('is retryable on a 503 from a fault, with Retry-After, then succeeds', async () => {
    const { url } = callbackUrl();
    sb.faults.failNext(CALLBACK_ROUTE, 1, { status: 503, headers: { 'Retry-After': '2' } });
    const e = await failure(sendCompletionPatch({ url, credential }));
    expect(e).toMatchObject({ kind: 'server', retryable: true, status: 503, retryAfterMs: 2000 });
    expect(e.message).toMatch(/answered 503/);
    await expect(sendCompletionPatch({ url, credential })).resolves.toEqual({ status: 200 });
  });

  it('is retryable on 429 and keeps Retry-After', async () => {
    const { url } = callbackUrl();
    sb.faults.storm429({ route: CALLBACK_ROUTE, count: 1, retryAfterS: 7 });
    const e = await failure(sendCompletionPatch({ url, credential }));
    expect(e).toMatchObject({ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 7000 });
    expect(e.message).toMatch(/retry after 7 s/);
  });

  it.each<[number, string]>([
    [403, 'forbidden'],
    [422, 'rejected'],
    [400, 'rejected'],
  ])('is not retryable on %i', async (status, kind) => {
    const { url } = callbackUrl();
    sb.faults.failNext(CALLBACK_ROUTE, 1, { status });
    const e = await failure(sendCompletionPatch({ url, credential }));
    expect(e).toMatchObject({ kind, retryable: false, status });
  });

  it('is retryable when nothing listens on the port', async () => {
    const port = await closedPort();
    const e = await failure(
      sendCompletionPatch({
        url: `http://127.0.0.1:${port}/integrations/testing_partners/take_home_tests/1`,
        credential,
      }),
    );
    expect(e).toMatchObject({ kind: 'network', retryable: true, status: null });
    expect(e.message).toMatch(/could not reach Greenhouse.*ECONNREFUSED/);
  });
});

describe('sendCompletionPatch without the sandbox', () => {
  let silent: CaptureServer;
  let redirecting: CaptureServer;
  beforeAll(async () => {
    silent = await new CaptureServer(() => undefined).start(); // never answers
    redirecting = await new CaptureServer((_r, res) => {
      res.writeHead(307, { Location: `${silent.url}/elsewhere` }).end();
    }).start();
  });
  afterAll(async () => {
    await silent.stop();
    await redirecting.stop();
  });

  it('sends PATCH with no body and only the callback credential', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fake: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), init: init ?? {} });
      return new Response('{}', { status: 200 });
    };
    await sendCompletionPatch({ url: 'https://app.greenhouse.io/x/1?y=2', credential: 'ck', fetch: fake });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('https://app.greenhouse.io/x/1?y=2');
    expect(seen[0]!.init).toMatchObject({
      method: 'PATCH',
      redirect: 'manual',
      headers: { Authorization: callbackAuthHeader('ck') },
    });
    expect(seen[0]!.init.body).toBeUndefined();
  });

  it('times out as a retryable error', async () => {
    const e = await failure(sendCompletionPatch({ url: `${silent.url}/t/1`, credential, timeoutMs: 100 }));
    expect(e).toMatchObject({ kind: 'timeout', retryable: true, status: null });
    expect(e.message).toMatch(/within 100 ms/);
  });

  it('does not follow redirects (the credential stays with the given URL)', async () => {
    const before = silent.received.length;
    const e = await failure(sendCompletionPatch({ url: `${redirecting.url}/t/1`, credential }));
    expect(e).toMatchObject({ kind: 'redirected', retryable: false, status: 307 });
    expect(silent.received.length).toBe(before);
  });

  it.each([
    ['not a URL', 'take_home_tests/1', /is not a URL/],
    ['ftp', 'ftp://app.greenhouse.io/x', /must be http\(s\), not ftp/],
    ['javascript', 'javascript:alert(1)', /must be http\(s\)/],
    ['file', 'file:///etc/passwd', /must be http\(s\)/],
    ['userinfo', 'https://user:pw@app.greenhouse.io/x', /credentials of its own/],
  ])('refuses a %s URL without sending anything', async (_name, url, message) => {
    let called = false;
    const fake: typeof fetch = async () => {
      called = true;
      return new Response(null, { status: 200 });
    };
    const e = await failure(sendCompletionPatch({ url, credential, fetch: fake }));
    expect(e).toMatchObject({ kind: 'invalid_url', retryable: false, status: null });
    expect(e.message).toMatch(message);
    expect(called).toBe(false);
  });

  it('refuses an empty credential as a configuration error', async () => {
    const e = await failure(sendCompletionPatch({ url: 'https://app.greenhouse.io/x', credential: '' }));
    expect(e).toMatchObject({ kind: 'configuration', retryable: false });
  });
});
