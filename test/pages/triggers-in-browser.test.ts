import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyedTest, startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { phone, useBrowser } from '../helpers/browser.js';
import { waitFor } from '../../harness/processes.js';
import type { ReceivedMessage } from '../../harness/smtp-server.js';

// Each trigger end to end in Chromium: the candidate takes the test on a phone, the grader grades
// in the browser, and the sandbox holds the custom-field values, one note and one PDF attachment
// (and, for Greenhouse's own Send test, exactly one completion PATCH); test_status says complete.
const gradedTest = {
  ...keyedTest,
  testId: 'js-written',
  name: 'JavaScript with a written answer',
  sections: [
    {
      ...keyedTest.sections[0]!,
      questions: [
        ...keyedTest.sections[0]!.questions,
        { kind: 'free_text', id: 'q3', prompt: 'Explain closures.', points: 4, rubric: 'Mentions scope.' },
      ],
    },
  ],
};

describe('webhook and vendor triggers in the browser', () => {
  let stack: AssessmentStack;
  const chrome = useBrowser();
  beforeAll(async () => {
    stack = await startAssessmentStack({ tests: [gradedTest] });
    const settings = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/settings`, {
      defaultGraderEmail: 'grader@vendor.example',
      reportVisibility: 'public',
    });
    expect(settings.status).toBe(200);
  });
  afterAll(async () => stack?.close());

  const linkIn = (mail: ReceivedMessage, path: string) =>
    new RegExp(`(http://127\\.0\\.0\\.1:\\d+${path}/[A-Za-z0-9_-]+)`).exec(
      mail.parts.find((p) => p.contentType === 'text/plain')!.body,
    )![1]!;

  /** The candidate and the grader, each in their own browser context, as people would. */
  async function takeAndGrade(journeyId: string, graderEmail = 'grader@vendor.example') {
    const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 60_000);
    const candidate = await (await chrome.browser.newContext(phone)).newPage();
    await candidate.goto(linkIn(invite, '/t'));
    await candidate.getByLabel('"object"').check();
    await candidate.locator('input[name="q:q2"]').fill('0.3');
    await candidate
      .locator('textarea[name="q:q3"]')
      .fill('A function that remembers the scope it was made in.');
    await candidate.getByRole('button', { name: 'Submit answers' }).click();
    await expect.poll(() => candidate.locator('h1').innerText()).toBe('Thank you');

    const request = await stack.smtp.waitFor(
      (m) => m.idempotencyKey === `${journeyId}:grader_request:1`,
      60_000,
    );
    expect(request.envelope.to).toEqual([graderEmail]);
    const grader = await (await chrome.browser.newContext()).newPage();
    await grader.goto(linkIn(request, '/g'));
    expect(await grader.locator('input[name="gradedBy"]').inputValue()).toBe(graderEmail);
    await grader.locator('input[name="points:q3"]').fill('3');
    await grader.getByRole('button', { name: 'Submit grades' }).click();
    await expect.poll(() => grader.locator('h1').innerText()).toMatch(/thank/i);
    // 2 + 2 + 3 of 8 points
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      scorePercent: 87.5,
      passed: true,
    });
    const status = await fetch(
      `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      { headers: { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` } },
    );
    expect(await status.json()).toMatchObject({ partner_status: 'complete', partner_score: 87.5 });
  }

  it('greenhouse: the recruiter clicks Send test; the sender grades', async () => {
    const org = stack.sb.state.org(stack.org.org.id)!;
    const application = org.applications.all()[2]!;
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-written',
      sentByUserId: stack.org.siteAdmin.id,
    });
    const journeyId = stack.journeyIdFor(application.id, 'js-written');
    const sender = (await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } })).sentBy!;
    await takeAndGrade(journeyId, sender);
    await waitFor('Greenhouse to read test_status', async () => {
      await stack.sb.idle();
      return stack.greenhouse(application.id).tests[0]?.partnerStatus === 'complete';
    });
    const gh = stack.greenhouse(application.id);
    const testIds = new Set(gh.tests.map((t) => t.id));
    expect(stack.sb.partner.patches.filter((p) => testIds.has(p.testId))).toHaveLength(1);
    expect(gh.tests[0]).toMatchObject({ partnerScore: 87.5 });
    expect(gh.notes.filter((n) => /87.5%/.test(String(n.body)))).toHaveLength(1);
    expect(gh.attachments).toHaveLength(1);
    expect(gh.customFields).toEqual(expect.arrayContaining([87.5, true]));
  });

  it('webhook: a candidate moved into the mapped stage takes and passes the test', async () => {
    const org = stack.sb.state.org(stack.org.org.id)!;
    const application = org.applications.all()[0]!;
    const stage = org.stagesOfJob(application.jobId).find((s) => s.name === 'Take Home Test')!;
    await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/stage-test-mappings`, {
      mappings: [{ jobId: application.jobId, stageId: stage.id, testId: 'js-written' }],
    });
    const mode = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
      {},
    );
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      webhook: {
        url: `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`,
        secret: String(mode.body!.webhookSecret),
      },
    });
    stack.sb.admin.moveStage(stack.org.org.id, application.id, { stageId: stage.id });
    const journeyId = stack.journeyIdFor(application.id, 'js-written');
    await takeAndGrade(journeyId);
    await waitFor(
      'the attachment',
      async () => stack.greenhouse(application.id).attachments.length === 1,
      60_000,
    );
    const gh = stack.greenhouse(application.id);
    expect(
      gh.notes.filter((n) => /JavaScript with a written answer: 87.5%/.test(String(n.body))),
    ).toHaveLength(1);
    expect(gh.customFields).toEqual(expect.arrayContaining([87.5, true]));
    expect(gh.attachments[0]).toMatchObject({ type: 'other' });
  });

  it('vendor: an operator invites by e-mail and job; the journey finds the application and lands the result', async () => {
    const org = stack.sb.state.org(stack.org.org.id)!;
    const application = org.applications.all()[1]!;
    const candidate = org.candidates.get(application.candidateId)!;
    await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`, {});
    const invited = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email: candidate.emails[0]!.value,
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId: String(application.jobId),
      testId: 'js-written',
    });
    expect(invited.status).toBe(201);
    const journeyId = String(invited.body!.journeyId);
    await takeAndGrade(journeyId);
    await waitFor(
      'the attachment',
      async () => stack.greenhouse(application.id).attachments.length === 1,
      60_000,
    );
    const gh = stack.greenhouse(application.id);
    expect(gh.notes.filter((n) => /87.5%/.test(String(n.body)))).toHaveLength(1);
    expect(gh.customFields).toEqual(expect.arrayContaining([87.5, true]));
    const row = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(row).toMatchObject({ status: 'complete', greenhouseApplicationId: String(application.id) });
  });
});
