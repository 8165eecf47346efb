import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessmentStateQuery } from '../../workflows/assessment/contract.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { waitFor } from '../../harness/processes.js';

// The assessment journey from Greenhouse's "Send test", on the real stack: Temporal dev server,
// PostgreSQL, a real SMTP server, the Greenhouse sandbox over HTTP, our API and worker.
describe('assessment journey started by Greenhouse', () => {
  let stack: AssessmentStack;
  // Steps whose next call fails once (a transient fault), armed by a test.
  const failNextCall = new Set<'finalizeResult' | 'renderReport'>();
  beforeAll(async () => {
    stack = await startAssessmentStack({
      wrapActivities: (activities) => {
        const failOnce =
          <A extends unknown[], R>(
            name: 'finalizeResult' | 'renderReport',
            step: (...args: A) => Promise<R>,
          ) =>
          (...args: A) => {
            if (failNextCall.delete(name))
              return Promise.reject(new Error(`${name}: injected transient fault`));
            return step(...args);
          };
        return {
          ...activities,
          finalizeResult: failOnce('finalizeResult', activities.finalizeResult),
          renderReport: failOnce('renderReport', activities.renderReport),
        };
      },
    });
  });
  afterAll(async () => stack?.close());

  const applications = () => stack.sb.state.org(stack.org.org.id)!.applications.all();
  const mailsOf = (journeyId: string) =>
    stack.smtp.messages
      .filter((m) => m.idempotencyKey?.startsWith(`${journeyId}:`))
      .map((m) => m.idempotencyKey);
  const sendTest = async (applicationId: number, reuse = false) => {
    await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
      reuse,
    });
    await stack.sb.idle();
  };
  const patchesFor = (applicationId: number) => {
    const testIds = new Set(stack.greenhouse(applicationId).tests.map((t) => t.id));
    return stack.sb.partner.patches.filter((p) => testIds.has(Number((p as { testId?: unknown }).testId)));
  };
  const landed = (applicationId: number) =>
    waitFor(
      'Greenhouse to read test_status after the PATCH',
      async () => {
        await stack.sb.idle();
        return stack.greenhouse(applicationId).tests[0]?.partnerStatus === 'complete';
      },
      60_000,
    );

  it('invites once, takes the answers from the page, and lands the result in Greenhouse exactly once', async () => {
    const application = applications()[0]!;
    // The recruiter clicks Send test twice (a double click): one journey, one invitation.
    await sendTest(application.id);
    await sendTest(application.id, true);
    const journeyId = stack.journeyIdFor(application.id);

    const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(
      invite.parts.find((p) => p.contentType === 'text/plain')!.body,
    )![1]!;
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('typeof null is');
    expect(html).not.toContain('"correct"'); // keys never reach the page

    // A bad answer re-renders the form with the message and keeps what was typed.
    const bad = await stack.submitFromInvite(journeyId, { 'q:q1': 'zz', 'q:q2': '0.3' });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/Please check your answers/);
    expect(bad.html).toContain('value="0.3"');

    const ok = await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' });
    expect(ok.status).toBe(200);
    expect(ok.html).toContain('Thank you');

    const handle = stack.temporal.workflow.getHandle(journeyId);
    expect(await handle.result()).toMatchObject({
      status: 'complete',
      scorePercent: 100,
      passed: true,
      invitesSent: 1,
    });
    expect(await handle.query(assessmentStateQuery)).toMatchObject({ status: 'complete' });
    await landed(application.id);
    await recordHistoryIfAsked('assessment-greenhouse-complete', journeyId);
    await recordHistoryIfAsked('assessment-result-locally', journeyId);

    // The result and its report ran in the worker (patch 'result-locally'): markers, no activity
    // tasks, between the submission's activity and the completion PATCH.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled).toContain('storeSubmission');
    expect(scheduled).toContain('sendCompletionPatch');
    expect(scheduled).not.toContain('finalizeResult');
    expect(scheduled).not.toContain('renderReport');
    const markers = events.filter((e) => e.markerRecordedEventAttributes).length;
    expect(markers).toBeGreaterThanOrEqual(3); // the patch, the result, the report

    // Exactly once, everywhere.
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
    const gh = stack.greenhouse(application.id);
    expect(patchesFor(application.id)).toHaveLength(1);
    expect(gh.notes.filter((n) => /JavaScript basics: 100%/.test(String(n.body)))).toHaveLength(1);
    expect(gh.attachments.filter((a) => a.filename.startsWith('assessment-report-'))).toHaveLength(1);
    expect(gh.customFields).toEqual(expect.arrayContaining([100, true]));
    expect(gh.tests[0]).toMatchObject({ partnerStatus: 'complete', partnerScore: 100 });
    expect(gh.tests[0]!.partnerProfileUrl).toMatch(/\/r\//);

    // Greenhouse's own test_status call answers from the read model.
    const status = await fetch(
      `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      { headers: { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` } },
    );
    expect(await status.json()).toMatchObject({ partner_status: 'complete', partner_score: 100 });
    expect(await stack.database.db.partnerResponseError.count()).toBe(0);
  });

  it('does not add the note or the report again when a retry finds them in Greenhouse', async () => {
    // The crash window: Greenhouse accepted the note and the attachment, our ledger never heard.
    const application = applications()[0]!;
    const journeyId = stack.journeyIdFor(application.id);
    expect(await stack.database.db.harvestEffect.deleteMany({ where: { journeyId } })).toMatchObject({
      count: 2,
    });
    const activities = stack.activities();
    expect(await activities.addResultNote({ journeyId })).toEqual({ added: false });
    expect(await activities.attachReport({ journeyId })).toEqual({ attached: false });
    const gh = stack.greenhouse(application.id);
    expect(gh.notes.filter((n) => String(n.body).includes(`Ref: ${journeyId}`))).toHaveLength(1);
    expect(gh.attachments).toHaveLength(1);
    // What Greenhouse already holds is now in the ledger too.
    expect(await stack.database.db.harvestEffect.count({ where: { journeyId } })).toBe(2);
  });

  it('survives Harvest 5xx and a 429 storm during post-result, writing each thing once', async () => {
    const application = applications()[1]!;
    await sendTest(application.id);
    const journeyId = stack.journeyIdFor(application.id);
    stack.sb.faults.failNext('POST /v3/notes', 2, { status: 503 });
    stack.sb.faults.storm429({ route: 'POST /v3/attachments', count: 2, retryAfterS: 1 });
    stack.sb.faults.failNext('PATCH /v3/applications/:id', 1, { status: 500 });
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'a', 'q:q2': '0.3' })).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      scorePercent: 50,
    });
    await landed(application.id);
    const gh = stack.greenhouse(application.id);
    expect(gh.notes.filter((n) => /JavaScript basics: 50%/.test(String(n.body)))).toHaveLength(1);
    expect(gh.attachments.filter((a) => a.filename.startsWith('assessment-report-'))).toHaveLength(1);
    expect(patchesFor(application.id)).toHaveLength(1);
    expect(stack.sb.requestLog.list({ method: 'POST', path: '/v3/notes', status: 503 }).length).toBe(2);
    expect(
      stack.sb.requestLog.list({ method: 'POST', path: '/v3/attachments', status: 429 }).length,
    ).toBeGreaterThan(0);
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
  });

  it('runs the result steps as their activities when the local attempt fails, landing the result once', async () => {
    // The one local attempt of each result step fails (patch 'result-locally'): locallyFirst hands
    // the step to its activity, which succeeds; nothing is written twice.
    const application = applications()[4]!;
    await sendTest(application.id);
    const journeyId = stack.journeyIdFor(application.id);
    failNextCall.add('finalizeResult').add('renderReport');
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' })).status).toBe(200);
    const handle = stack.temporal.workflow.getHandle(journeyId);
    expect(await handle.result()).toMatchObject({ status: 'complete', scorePercent: 100, passed: true });
    expect(failNextCall.size).toBe(0);
    await landed(application.id);

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(scheduled.filter((n) => n === 'finalizeResult')).toHaveLength(1);
    expect(scheduled.filter((n) => n === 'renderReport')).toHaveLength(1);
    expect(events.filter((e) => e.activityTaskCompletedEventAttributes).length).toBeGreaterThanOrEqual(2);
    const gh = stack.greenhouse(application.id);
    expect(patchesFor(application.id)).toHaveLength(1);
    expect(gh.notes.filter((n) => String(n.body).includes(`Ref: ${journeyId}`))).toHaveLength(1);
    expect(gh.attachments.filter((a) => a.filename.startsWith('assessment-report-'))).toHaveLength(1);
    expect(gh.tests[0]).toMatchObject({ partnerStatus: 'complete', partnerScore: 100 });
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
  });

  it('moves the application to the pass stage of the job’s rule, once', async () => {
    const application = applications()[3]!;
    const org = stack.sb.state.org(stack.org.org.id)!;
    const offer = org.stagesOfJob(application.jobId).find((st) => st.name === 'Offer')!;
    const rule = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/job-test-mappings`, {
      mappings: [{ jobId: application.jobId, testId: 'js-basics', passStageId: offer.id }],
    });
    expect(rule.status).toBe(200);
    await sendTest(application.id);
    const journeyId = stack.journeyIdFor(application.id);
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' })).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ passed: true });
    expect(org.applications.get(application.id)!.stageId).toBe(offer.id);
    expect(
      stack.sb.requestLog.list({ method: 'POST', path: `/v3/applications/${application.id}/move` }),
    ).toHaveLength(1);
    expect(await stack.database.db.harvestEffect.count({ where: { journeyId, effect: 'stage_move' } })).toBe(
      1,
    );
  });

  it('completes after the worker is stopped between invite and submission, with nothing sent twice', async () => {
    const application = applications()[2]!;
    await sendTest(application.id);
    const journeyId = stack.journeyIdFor(application.id);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    await stack.restartWorker();
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '1' })).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    await landed(application.id);
    const gh = stack.greenhouse(application.id);
    expect(mailsOf(journeyId)).toEqual([`${journeyId}:invite:1`]);
    expect(gh.notes.filter((n) => /JavaScript basics/.test(String(n.body)))).toHaveLength(1);
    expect(gh.attachments).toHaveLength(1);
    expect(patchesFor(application.id)).toHaveLength(1);
  });

  it('keeps what Greenhouse reports through response_error and shows it to operators', async () => {
    const res = await fetch(`${stack.api.url}/partner/response_error`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        api_call: 'test_status',
        errors: ['partner_profile_url is missing'],
        partner_interview_id: 'x',
      }),
    });
    expect(res.status).toBe(200);
    const listed = await stack.api.call('GET', `/operator/tenants/${stack.tenantId}/response-errors`);
    expect(listed.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ apiCall: 'test_status', errors: ['partner_profile_url is missing'] }),
      ]),
    );
    const bad = await fetch(`${stack.api.url}/partner/response_error`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ errors: 'not a list' }),
    });
    expect(bad.status).toBe(400);
  });

  it('refuses send_test with bad auth or bad input, starting nothing', async () => {
    const before = await stack.database.db.journey.count();
    const url = `${stack.api.url}/partner/send_test`;
    const body = {
      partner_test_id: 'js-basics',
      candidate: {
        first_name: 'A',
        last_name: 'B',
        preferred_name: null,
        email: 'a@b.example',
        greenhouse_profile_url: 'https://app.greenhouse.io/people/1?application_id=2',
      },
      // The sandbox's host: app.greenhouse.io does not resolve on offline machines (url-policy.ts).
      url: `${stack.sb.url}/integrations/testing_partners/take_home_tests/1`,
    };
    const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const post = (payload: unknown, authorization = basic(stack.partnerKey)) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    expect((await post(body, basic('grpk_wrong'))).status).toBe(401);
    expect((await post(body, 'Bearer x')).status).toBe(401);
    expect((await post('{"partner_test_id":')).status).toBe(400);
    const noEmail = await post({ ...body, candidate: { ...body.candidate, email: undefined } });
    expect(noEmail.status).toBe(400);
    expect(((await noEmail.json()) as { error: { field: string } }).error.field).toBe('candidate.email');
    const badProfile = await post({
      ...body,
      candidate: { ...body.candidate, greenhouse_profile_url: 'https://x/y' },
    });
    expect(badProfile.status).toBe(400);
    const unknownTest = await post({ ...body, partner_test_id: 'nope' });
    expect(unknownTest.status).toBe(404);
    expect((await post({ ...body, pad: 'x'.repeat(200_000) })).status).toBe(413);
    expect(await stack.database.db.journey.count()).toBe(before);
    const statusUnknown = await fetch(`${stack.api.url}/partner/test_status?partner_interview_id=nope`, {
      headers: { authorization: basic(stack.partnerKey) },
    });
    expect(statusUnknown.status).toBe(404);
  });
});
