import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phone, useBrowser } from '../helpers/browser.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { waitFor } from '../../harness/processes.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';

// The reference check from Greenhouse's "Send test" to the PDF on the application, on the real
// stack, with the candidate and every referee in Chromium (each in their own browser context).
describe('reference check started by Greenhouse, in the browser', () => {
  const chrome = useBrowser();
  let stack: ReferenceCheckStack;
  beforeAll(async () => {
    stack = await startReferenceCheckStack();
  });
  afterAll(async () => stack?.close());

  const application = (i: number) => stack.sb.state.org(stack.org.org.id)!.applications.all()[i]!;
  const referees = [
    { name: 'Mia Manager', email: 'mia@globex.example', relationship: 'Manager', company: 'Globex' },
    { name: 'Pete Peer', email: 'pete@globex.example', relationship: 'Peer', company: 'Globex' },
    { name: 'Cleo Client', email: 'cleo@initech.example', relationship: 'Client', company: 'Initech' },
  ];
  const patchesFor = (applicationId: number) => {
    const testIds = new Set(stack.greenhouse(applicationId).tests.map((t) => t.id));
    return stack.sb.partner.patches.filter((p) => testIds.has(p.testId));
  };

  async function nominateInBrowser(journeyId: string) {
    const page = await (await chrome.browser.newContext(phone)).newPage();
    await page.goto(await stack.nominationLink(journeyId));
    for (const [i, r] of referees.entries()) {
      await page.locator(`[name="r${i}.name"]`).fill(r.name);
      await page.locator(`[name="r${i}.email"]`).fill(r.email);
      await page.locator(`[name="r${i}.company"]`).fill(r.company);
      await page.locator(`[name="r${i}.relationship"]`).selectOption({ label: r.relationship });
    }
    await page.getByRole('button', { name: /send to referees/i }).click();
    await expect.poll(() => page.locator('h1').innerText()).toMatch(/thank/i);
    return stack.referees(journeyId);
  }
  async function openRefereePage(refereeId: string): Promise<Page> {
    const page = await (await chrome.browser.newContext()).newPage();
    await page.goto(await stack.refereeLink(refereeId));
    return page;
  }
  async function answerInBrowser(refereeId: string, ratings: [number, number]) {
    const page = await openRefereePage(refereeId);
    await page.locator(`input[name="q:quality"][value="${ratings[0]}"]`).check();
    await page.locator(`input[name="q:teamwork"][value="${ratings[1]}"]`).check();
    await page.locator('textarea[name="q:comments"]').fill('Dependable, and kind to new colleagues.');
    await page.getByRole('button', { name: /submit reference/i }).click();
    await expect.poll(() => page.locator('h1').innerText()).toMatch(/thank/i);
  }
  async function declineInBrowser(refereeId: string) {
    const page = await openRefereePage(refereeId);
    await page.locator('textarea[name="declineReason"]').fill('We only met twice.');
    await page.getByRole('button', { name: /decline/i }).click();
    await expect.poll(() => page.locator('body').innerText()).toMatch(/declined/i);
  }
  const landed = (applicationId: number) =>
    waitFor(
      'Greenhouse to read test_status after the PATCH, and the report attached',
      async () => {
        await stack.sb.idle();
        const gh = stack.greenhouse(applicationId);
        return gh.tests[0]?.partnerStatus === 'complete' && gh.attachments.length === 1;
      },
      60_000,
    );

  it('three named, two answer, one declines: the quorum of two completes it, once', async () => {
    const app = application(0);
    // Greenhouse lists the reference check next to the test, and the recruiter sends it.
    const listed = await fetch(`${stack.api.url}/partner/list_tests`, {
      headers: { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` },
    });
    expect(await listed.json()).toEqual(
      expect.arrayContaining([
        { partner_test_id: 'refs-standard', partner_test_name: 'Standard reference check' },
        { partner_test_id: 'js-basics', partner_test_name: 'JavaScript basics' },
      ]),
    );
    await stack.sendReferenceCheck(app.id);
    const journeyId = stack.referenceJourneyIdFor(app.id);
    const [mia, pete, cleo] = await nominateInBrowser(journeyId);
    expect([mia, pete, cleo].map((r) => r?.relationship)).toEqual(['manager', 'peer', 'client']);

    await answerInBrowser(mia!.id, [4, 5]);
    await declineInBrowser(pete!.id);
    await answerInBrowser(cleo!.id, [3, 4]);

    const result = await stack.temporal.workflow.getHandle(journeyId).result();
    expect(result).toMatchObject({ status: 'complete', partial: false, answered: 2, meanRating: 4 });
    await landed(app.id);
    await recordHistoryIfAsked('reference-check-greenhouse-complete', journeyId);
    await recordHistoryIfAsked('referee-request-answered', mia!.id);
    await recordHistoryIfAsked('referee-request-declined', pete!.id);
    const gh = stack.greenhouse(app.id);
    expect(gh.attachments).toHaveLength(1);
    expect(gh.attachments[0]).toMatchObject({
      filename: expect.stringMatching(/^reference-check-report-.*\.pdf$/),
    });
    expect(patchesFor(app.id)).toHaveLength(1);
    expect(gh.tests[0]).toMatchObject({ partnerStatus: 'complete', partnerScore: 4 });
    const status = await fetch(
      `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      { headers: { authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` } },
    );
    const statusBody = (await status.json()) as { partner_profile_url: string };
    expect(statusBody).toEqual({
      partner_status: 'complete',
      partner_profile_url: expect.stringMatching(/\/r\/grr_/),
      partner_score: 4,
      metadata: { 'Referees answered': '2 of 2 required', Completion: 'complete' },
    });
    expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`))).toHaveLength(1);
    expect(gh.customFields).toEqual([4]); // the mean rating; a reference check has no pass/fail
    // The recruiter's link opens the PDF.
    const report = await fetch(statusBody.partner_profile_url);
    expect(report.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await report.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // The decline was recorded with its reason; the candidate was offered a replacement.
    expect((await stack.referees(journeyId))[1]).toMatchObject({
      status: 'declined',
      declineReason: 'We only met twice.',
    });
    expect(stack.smtp.messages.some((m) => m.idempotencyKey === `${journeyId}:replace_referee:1`)).toBe(true);
  });

  it('an answer after completion is kept as late and attached nowhere again', async () => {
    const app = application(1);
    await stack.sendReferenceCheck(app.id);
    const journeyId = stack.referenceJourneyIdFor(app.id);
    const [mia, pete, cleo] = await nominateInBrowser(journeyId);
    await answerInBrowser(mia!.id, [5, 5]);
    await answerInBrowser(cleo!.id, [4, 4]);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      answered: 2,
    });
    await landed(app.id);

    // Pete answers late: still welcome, kept, not counted.
    await answerInBrowser(pete!.id, [2, 2]);
    await waitFor(
      'the late answer stored',
      async () => (await stack.referees(journeyId))[1]!.status === 'answered',
    );
    expect((await stack.referees(journeyId))[1]).toMatchObject({ late: true });
    const journey = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(journey.statusDetail).toBe('1 late answer received after completion: kept, not in the report');
    expect(journey.score).toBe(4.5);
    await stack.sb.idle();
    const gh = stack.greenhouse(app.id);
    expect(gh.attachments).toHaveLength(1);
    expect(patchesFor(app.id)).toHaveLength(1);
    expect(gh.notes.filter((n) => n.body?.includes(`Ref: ${journeyId}`))).toHaveLength(1);
  });
});
