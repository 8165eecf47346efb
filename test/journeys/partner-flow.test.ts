import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greenhouseJson, signatureHeader } from '../../greenhouse-sandbox/webhooks/signing.js';
import { waitFor } from '../../harness/processes.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';

// Issue 14, the partner flow, against the Greenhouse sandbox: re-sent tests, vendor invite and
// send_test joining, the completion URL policy, key rotation overlap, failed-auth budgets, bodies
// without Content-Type, pings before activation, and delete via merge.
describe('partner flow', () => {
  let stack: AssessmentStack;
  const logLines: string[] = [];
  // A DNS name that answers a public address to the first lookup and loopback afterwards.
  let rebindLookups = 0;
  const resolve = async (hostname: string) => {
    if (hostname === 'rebind.greenhouse.test') {
      return [{ address: rebindLookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    }
    if (hostname === 'public.greenhouse.test') return [{ address: '93.184.216.34', family: 4 }];
    if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`no such name ${hostname}`), { code: 'ENOTFOUND' });
  };

  beforeAll(async () => {
    stack = await startAssessmentStack({
      sandbox: { orgs: [{ name: 'Acme', candidates: 12, plan: 'enterprise' }] },
      log: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
      activities: { callbackResolve: resolve },
      api: {
        callbackResolve: resolve,
        partnerKeyCacheTtlMs: 0,
        rateLimits: { tokenEndpointsPerMinute: 3 },
      },
    });
  });
  afterAll(async () => stack?.close());

  const org = () => stack.sb.state.org(stack.org.org.id)!;
  const applications = () => org().applications.all();
  const emailOf = (applicationId: number) =>
    org().candidates.get(org().applications.get(applicationId)!.candidateId)!.emails[0]!.value;
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const sendTest = async (applicationId: number, reuse = false) => {
    const r = await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
      reuse,
    });
    await stack.sb.idle();
    return r as { test: { id: number; partnerInterviewId: string | null }; result: { status: number } };
  };
  const journeysOf = (applicationId: number) =>
    stack.database.db.journey.findMany({
      where: { greenhouseApplicationId: String(applicationId) },
      orderBy: { createdAt: 'asc' },
    });
  const invitesTo = (email: string) =>
    stack.smtp.messages.filter(
      (m) =>
        m.envelope.to.some((to) => to.toLowerCase() === email.toLowerCase()) &&
        /:invite:\d+$/.test(m.idempotencyKey ?? ''),
    );
  const sendTestBody = (url: string, applicationId = applications()[11]!.id) => ({
    partner_test_id: 'js-basics',
    candidate: {
      first_name: 'H',
      last_name: 'Ostile',
      preferred_name: null,
      email: 'hostile@example.test',
      greenhouse_profile_url: `${stack.sb.url}/people/1?application_id=${applicationId}`,
    },
    url,
  });
  const postSendTest = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.api.url}/partner/send_test`, {
      method: 'POST',
      headers: { authorization: basic(stack.partnerKey), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('a re-sent test is a new journey; a double click is not; an ended journey is not joined', async () => {
    const app = applications()[0]!;
    const first = await sendTest(app.id);
    await sendTest(app.id, true); // double click: same take-home test, same url
    let journeys = await journeysOf(app.id);
    expect(journeys.map((j) => j.id)).toEqual([stack.journeyIdFor(app.id)]); // the historical id
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeys[0]!.id}:invite:1`, 30_000);

    // Greenhouse's Send Test again: a new take-home test with its own url → a new journey.
    const second = await sendTest(app.id);
    expect(second.test.id).not.toBe(first.test.id);
    journeys = await journeysOf(app.id);
    expect(journeys).toHaveLength(2);
    const resent = journeys[1]!;
    expect(resent.id).toMatch(new RegExp(`^${stack.journeyIdFor(app.id)}:2-[0-9a-f]{12}$`));
    expect(resent.callbackUrl).toContain(`/take_home_tests/${second.test.id}`);
    expect(stack.greenhouse(app.id).tests.map((t) => t.partnerInterviewId)).toEqual(
      expect.arrayContaining([journeys[0]!.id, resent.id]),
    );
    // The re-sent journey's own invite, and the result PATCHes its own url.
    await stack.submitFromInvite(resent.id, { 'q:q1': 'b', 'q:q2': '0.3' });
    await stack.temporal.workflow.getHandle(resent.id).result();
    await waitFor('the PATCH of the re-sent test', async () => {
      await stack.sb.idle();
      return stack.sb.partner.patches.some((p) => p.testId === second.test.id && p.status === 200);
    });
    expect(stack.sb.partner.patches.filter((p) => p.testId === first.test.id)).toHaveLength(0);
    expect(invitesTo(emailOf(app.id))).toHaveLength(2);

    // The first journey ends (cancelled); its url sent again (a late repeat) starts a third one.
    const cancel = await stack.api.call('POST', `/operator/journeys/${journeys[0]!.id}/cancel`, {
      reason: 'test',
    });
    expect(cancel.status).toBe(200);
    await waitFor('the cancellation in the read model', async () => {
      const j = await stack.database.db.journey.findUnique({ where: { id: journeys[0]!.id } });
      return j?.status === 'cancelled';
    });
    const again = await postSendTest({
      partner_test_id: 'js-basics',
      candidate: {
        first_name: 'Again',
        last_name: 'Sent',
        preferred_name: null,
        email: emailOf(app.id),
        greenhouse_profile_url: `${stack.sb.url}/people/${app.candidateId}?application_id=${app.id}`,
      },
      url: journeys[0]!.callbackUrl!,
    });
    expect(again.status).toBe(200);
    const third = ((await again.json()) as { partner_interview_id: string }).partner_interview_id;
    expect(third).toMatch(new RegExp(`^${stack.journeyIdFor(app.id)}:3-[0-9a-f]{12}$`));
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${third}:invite:1`, 30_000);
    expect(invitesTo(emailOf(app.id))).toHaveLength(3);
  });

  it('a vendor invite and a send_test join one journey with one invite, in either order', async () => {
    const mode = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`,
      {},
    );
    expect(mode.status).toBe(200);
    const invite = (applicationId: number) => {
      const a = org().applications.get(applicationId)!;
      return stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
        email: emailOf(applicationId),
        firstName: 'Vee',
        lastName: 'Endor',
        jobId: String(a.jobId),
        testId: 'js-basics',
      });
    };

    // Vendor first, then Greenhouse's Send Test.
    const a1 = applications()[1]!;
    const vendor = await invite(a1.id);
    expect(vendor.status).toBe(201);
    const vendorJourney = String(vendor.body!.journeyId);
    const sent = await sendTest(a1.id);
    expect(sent.result.status).toBe(200);
    expect(stack.greenhouse(a1.id).tests[0]!.partnerInterviewId).toBe(vendorJourney);
    const joined = await stack.database.db.journey.findUniqueOrThrow({ where: { id: vendorJourney } });
    expect(joined.callbackUrl).toContain(`/take_home_tests/${sent.test.id}`);

    // Send Test first, then the vendor invite.
    const a2 = applications()[2]!;
    await sendTest(a2.id);
    const second = await invite(a2.id);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ journeyId: stack.journeyIdFor(a2.id), created: false });

    await stack.smtp.waitFor((m) => m.idempotencyKey === `${vendorJourney}:invite:1`, 30_000);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${stack.journeyIdFor(a2.id)}:invite:1`, 30_000);
    await new Promise((r) => setTimeout(r, 1_000)); // a second invite would have been sent by now
    expect(invitesTo(emailOf(a1.id))).toHaveLength(1);
    expect(invitesTo(emailOf(a2.id))).toHaveLength(1);
  });

  it('refuses hostile completion URLs at send_test with a 400 naming the problem, starting nothing', async () => {
    const settings = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      callbackHosts: ['app.greenhouse.io', 'app<N>.greenhouse.io', 'localhost', 'public.greenhouse.test'],
    });
    expect(settings.status).toBe(200);
    const before = await stack.database.db.journey.count();
    const cases: [string, RegExp][] = [
      [
        'https://evil.example.com/integrations/testing_partners/take_home_tests/1',
        /not one of this tenant's Greenhouse hosts/,
      ],
      [
        'https://127.0.0.1/integrations/testing_partners/take_home_tests/1',
        /not the IP address 127\.0\.0\.1/,
      ],
      ['https://10.0.0.7/x', /not the IP address 10\.0\.0\.7/],
      ['https://[::1]/x', /not the IP address ::1/],
      ['http://app.greenhouse.io/x', /must be https/],
      ['https://localhost/x', /resolves to 127\.0\.0\.1 is a loopback address/],
      ['https://app9.greenhouse.io/x', /does not resolve/],
      ['https://user:pw@app.greenhouse.io/x', /credentials of its own/],
      // The sandbox's host on another port is not the sandbox.
      [`http://127.0.0.1:${Number(new URL(stack.sb.url).port) + 1}/x`, /must be https/],
    ];
    for (const [url, message] of cases) {
      const res = await postSendTest(sendTestBody(url));
      const body = (await res.json()) as { error: { message: string; field?: string } };
      expect({ url, status: res.status, field: body.error.field }).toEqual({
        url,
        status: 400,
        field: 'url',
      });
      expect(body.error.message).toMatch(message);
    }
    expect(await stack.database.db.journey.count()).toBe(before);
    // A refused settings value names the problem too.
    const badSetting = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      callbackHosts: ['10.0.0.1'],
    });
    expect(badSetting.status).toBe(400);
  });

  it('checks the stored url again before the PATCH: other hosts, redirects and DNS rebinding are refused', async () => {
    const app = applications()[3]!;
    await sendTest(app.id);
    const journeyId = stack.journeyIdFor(app.id);
    const patchesBefore = stack.sb.partner.patches.length;
    const run = (activities = stack.activities()) =>
      activities.sendCompletionPatch({ journeyId }).then(
        () => null,
        (e: { message: string; type?: string; nonRetryable?: boolean }) => e,
      );
    const setUrl = (url: string) =>
      stack.database.db.journey.update({ where: { id: journeyId }, data: { callbackUrl: url } });
    const stored = (await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } }))
      .callbackUrl!;

    // A journey stored with a bad url (before the check existed, or the hosts changed since).
    await setUrl('https://evil.example.com/integrations/testing_partners/take_home_tests/1');
    expect(await run()).toMatchObject({
      type: 'Completioninvalid_url',
      nonRetryable: true,
      message: expect.stringMatching(/evil\.example\.com is not one of this tenant's Greenhouse hosts/),
    });
    await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      callbackHosts: ['app.greenhouse.io', 'localhost'],
    });
    await setUrl('https://localhost/x');
    expect(await run()).toMatchObject({ message: expect.stringMatching(/loopback/), nonRetryable: true });

    // DNS rebinding: public when checked, loopback when connecting → refused at connect time.
    await setUrl('https://rebind.greenhouse.test/integrations/testing_partners/take_home_tests/1');
    await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      callbackHosts: ['app.greenhouse.io', 'rebind.greenhouse.test'],
    });
    rebindLookups = 0;
    const rebound = await run();
    expect(rebindLookups).toBe(2);
    expect(rebound).toMatchObject({
      type: 'Completioninvalid_url',
      nonRetryable: true,
      message: expect.stringMatching(/refused to connect.*127\.0\.0\.1 is a loopback address/),
    });

    // A redirect from the callback host is not followed.
    await setUrl(stored);
    stack.sb.faults.failNext('PATCH /integrations/testing_partners/take_home_tests/:id', 1, {
      status: 302,
      headers: { location: 'http://127.0.0.1:9/steal' },
    });
    expect(await run()).toMatchObject({ type: 'Completionredirected', nonRetryable: true });
    expect(stack.sb.partner.patches.length).toBe(patchesBefore);
    // The stored sandbox url itself is fine.
    expect(await run()).toBeNull();
    expect(stack.sb.partner.patches.length).toBe(patchesBefore + 1);
  });

  let retiredKey = '';
  it('keeps the old partner key valid after a rotation until the new key is used, or the overlap ends', async () => {
    const listTests = async (key: string) =>
      (await fetch(`${stack.api.url}/partner/list_tests`, { headers: { authorization: basic(key) } })).status;
    const rotate = async () => {
      const r = await stack.api.call(
        'POST',
        `/operator/tenants/${stack.tenantId}/modes/greenhouse_invite/activate`,
        { rotate: true },
      );
      expect(r.status).toBe(200);
      return String(r.body!.partnerApiKey);
    };
    const oldKey = stack.partnerKey;
    const newKey = await rotate();
    const mode = await stack.database.db.tenantMode.findUniqueOrThrow({
      where: { tenantId_mode: { tenantId: stack.tenantId, mode: 'greenhouse_invite' } },
    });
    const days = (mode.previousPartnerKeyValidUntil!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.99);
    expect(days).toBeLessThanOrEqual(14);
    expect(await listTests(oldKey)).toBe(200); // staff have not typed the new one in yet
    expect(await listTests(oldKey)).toBe(200);
    expect(await listTests(newKey)).toBe(200); // first use of the new key…
    expect(await listTests(oldKey)).toBe(401); // …ends the old one

    // The overlap ends by time too (a tenant setting): simulate the days passing.
    const settings = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      partnerKeyOverlapDays: 2,
    });
    expect(settings.body).toMatchObject({ partnerKeyOverlapDays: 2 });
    const newest = await rotate();
    const valid = await stack.database.db.tenantMode.findUniqueOrThrow({
      where: { tenantId_mode: { tenantId: stack.tenantId, mode: 'greenhouse_invite' } },
    });
    expect(valid.previousPartnerKeyValidUntil!.getTime() - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);
    expect(await listTests(newKey)).toBe(200);
    await stack.database.db.tenantMode.update({
      where: { tenantId_mode: { tenantId: stack.tenantId, mode: 'greenhouse_invite' } },
      data: { previousPartnerKeyValidUntil: new Date(Date.now() - 1_000) },
    });
    expect(await listTests(newKey)).toBe(401);
    expect(await listTests(newest)).toBe(200);
    retiredKey = newKey;
    // The sandbox calls with the newest key from now on.
    stack.partnerKey = newest;
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      partnerApi: { baseUrl: `${stack.api.url}/partner`, apiKey: newest },
    });
  });

  it('limits failed authentications per presented key: never another tenant’s or the same tenant’s valid key', async () => {
    // A second tenant with its own partner key.
    const other = await stack.api.call('POST', '/operator/tenants', { slug: 'other', name: 'Other' });
    const otherId = String(other.body!.id);
    const otherKey = String(
      (await stack.api.call('POST', `/operator/tenants/${otherId}/modes/greenhouse_invite/activate`, {}))
        .body!.partnerApiKey,
    );
    const listTests = async (key: string) =>
      (await fetch(`${stack.api.url}/partner/list_tests`, { headers: { authorization: basic(key) } })).status;
    // The budget is 3 failures a minute (rateLimits above); then the bad key gets 429.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await listTests('grpk_wrong_key_of_someone'));
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect(await listTests(stack.partnerKey)).toBe(200); // same client address, valid key
    expect(await listTests(otherKey)).toBe(200); // another tenant's valid key

    // A retired key of this tenant, hammered, does not lock out its current key.
    const retired: number[] = [];
    expect(retiredKey).not.toBe('');
    for (let i = 0; i < 6; i++) retired.push(await listTests(retiredKey));
    expect(retired.slice(-2)).toEqual([429, 429]);
    expect(await listTests(stack.partnerKey)).toBe(200);
    expect(await listTests(otherKey)).toBe(200);
  });

  it('parses send_test and response_error bodies whatever their Content-Type', async () => {
    const app = applications()[4]!;
    const c = org().candidates.get(app.candidateId)!;
    const body = {
      partner_test_id: 'js-basics',
      candidate: {
        first_name: c.firstName,
        last_name: c.lastName,
        preferred_name: null,
        email: c.emails[0]!.value,
        greenhouse_profile_url: `${stack.sb.url}/people/${c.id}?application_id=${app.id}`,
      },
      url: `${stack.sb.url}/integrations/testing_partners/take_home_tests/999001`,
    };
    for (const contentType of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${stack.api.url}/partner/send_test`, {
        method: 'POST',
        headers: {
          authorization: basic(stack.partnerKey),
          ...(contentType ? { 'content-type': contentType } : {}),
        },
        // A Uint8Array body makes fetch send no Content-Type at all.
        body: new TextEncoder().encode(JSON.stringify(body)),
      });
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 200 });
      expect(await res.json()).toEqual({ partner_interview_id: stack.journeyIdFor(app.id) });
    }
    const before = await stack.database.db.partnerResponseError.count();
    const err = await fetch(`${stack.api.url}/partner/response_error`, {
      method: 'POST',
      headers: { authorization: basic(stack.partnerKey) },
      body: new TextEncoder().encode(JSON.stringify({ api_call: 'test_status', errors: ['bad'] })),
    });
    expect(err.status).toBe(200);
    expect(await stack.database.db.partnerResponseError.count()).toBe(before + 1);
    const broken = await fetch(`${stack.api.url}/partner/send_test`, {
      method: 'POST',
      headers: { authorization: basic(stack.partnerKey), 'content-type': 'text/plain' },
      body: '{"partner_test_id":',
    });
    expect(broken.status).toBe(400);
  });

  it('answers a webhook ping 200 and logs it, before the webhook secret is active', async () => {
    const url = `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`;
    const ping = {
      action: 'ping',
      payload: {
        web_hook_id: 4242,
        endpoint_url: url,
        created_at: '2026-12-03T12:00:00Z',
        updated_at: '2026-12-03T12:00:00Z',
        name: 'greenroom',
        event: 'candidate_deleted',
        active: true,
        'content-type': 'application/json',
      },
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', signature: 'sha256 nope' },
      body: JSON.stringify(ping),
    });
    expect(res.status).toBe(200);
    expect(
      logLines.some((l) => l.includes('Greenhouse webhook ping') && l.includes('"verified":false')),
    ).toBe(true);
    // Anything else unsigned is still refused.
    const other = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'hire_candidate', payload: {} }),
    });
    expect(other.status).toBe(401);
  });

  describe('delete via merge', () => {
    let secret: string;
    const hookUrl = () => `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`;
    beforeAll(async () => {
      const mode = await stack.api.call(
        'POST',
        `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
        {},
      );
      secret = String(mode.body!.webhookSecret);
    });
    // A candidate with no journey of ours, different from `from`.
    const otherCandidate = (from: number) =>
      org()
        .candidates.all()
        .map((c) => c.id)
        .reverse()
        .find((id) => id !== from)!;
    const journeyOf = (applicationId: number) =>
      stack.database.db.journey.findUniqueOrThrow({ where: { id: stack.journeyIdFor(applicationId) } });

    it('re-points journeys on a delete_candidate without deleted applications (no merge subscription)', async () => {
      await stack.sb.admin.configureIntegration(stack.org.org.id, {
        webhook: { url: hookUrl(), secret, ping: true, events: ['delete_candidate'] },
      });
      const app = applications()[5]!;
      const from = app.candidateId;
      const into = otherCandidate(from);
      await sendTest(app.id);
      expect((await journeyOf(app.id)).greenhouseCandidateId).toBe(String(from));
      await stack.sb.admin.mergeCandidates(stack.org.org.id, from, into);
      await waitFor('the delete_candidate webhook', async () => {
        await stack.sb.idle();
        return (await stack.database.db.webhookEvent.count({ where: { action: 'delete_candidate' } })) === 1;
      });
      const event = await stack.database.db.webhookEvent.findFirstOrThrow({
        where: { action: 'delete_candidate' },
      });
      expect(event.outcome).toMatch(/moved 1 journey/);
      const journey = await journeyOf(app.id);
      expect(journey).toMatchObject({ greenhouseCandidateId: String(into), erasedAt: null });
      expect(journey.status).not.toBe('cancelled');
      const candidate = await stack.database.db.journeyCandidate.findUniqueOrThrow({
        where: { journeyId: journey.id },
      });
      expect(candidate.email).not.toBe('erased@invalid');
    });

    it('re-points journeys on merge_candidate when subscribed', async () => {
      await stack.sb.admin.configureIntegration(stack.org.org.id, {
        webhook: { url: hookUrl(), secret, events: ['merge_candidate', 'delete_candidate'] },
      });
      const app = applications()[7]!;
      const from = app.candidateId;
      const into = otherCandidate(from);
      await sendTest(app.id);
      await stack.sb.admin.mergeCandidates(stack.org.org.id, from, into);
      await waitFor('the merge_candidate webhook', async () => {
        await stack.sb.idle();
        return (await journeyOf(app.id)).greenhouseCandidateId === String(into);
      });
      expect((await journeyOf(app.id)).erasedAt).toBeNull();
    });

    it('erases what is gone on a delete_candidate without deleted applications', async () => {
      await stack.sb.admin.configureIntegration(stack.org.org.id, { webhook: null });
      const app = applications()[9]!;
      const candidateId = app.candidateId;
      await sendTest(app.id);
      stack.sb.admin.deleteCandidate(stack.org.org.id, candidateId); // no webhook configured
      const body = greenhouseJson({
        action: 'delete_candidate',
        payload: { person: { id: candidateId, deleted_application_ids: [] } },
      });
      const res = await fetch(hookUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          signature: signatureHeader(secret, body),
          'greenhouse-event-id': 'gone-1',
        },
        body,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { outcome: string }).outcome).toMatch(/erased 1 journey/);
      expect((await journeyOf(app.id)).erasedAt).not.toBeNull();
    });
  });
});
