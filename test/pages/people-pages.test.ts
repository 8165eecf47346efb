import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { issueLink } from '../../journeys/links.js';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { createDatabaseOutboxStore } from '../../mail/database-outbox.js';
import {
  createMailer,
  createOutboxTransport,
  createSmtpTransport,
  type MailTransport,
} from '../../mail/index.js';
import { testActivities, testSecretBox } from '../helpers/activities.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';
import {
  expectAccessibleBasics,
  expectNoHorizontalScroll,
  phone,
  useBrowser,
  watchConsole,
} from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../../harness/processes.js';
import {
  createTestSmtpServer,
  type ReceivedMessage,
  type TestSmtpServer,
} from '../../harness/smtp-server.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';
import { startPagesServer, type PagesServer } from './pages-server.js';
import { openReportLink } from '../../journeys/links.js';

// People's pages in a real browser (Debian's Chromium, headless, phone-sized) on the real stack:
// Temporal dev server, PostgreSQL, a real SMTP server, the Greenhouse sandbox, API and worker.
// Candidate → grader → recruiter's report → operator's outbox, one journey, in that order.

const RUBRIC = 'Full marks: apologises once, names the cause, gives a concrete next step.';
const ANSWER = 'Sorry about the outage yesterday.\nThe cause was an expired certificate; it is renewed.';
const supportTest = {
  testId: 'support-basics',
  name: 'Support engineer screening',
  description: 'Four short questions about the web and one written reply.',
  passMarkPercent: 60,
  timeLimitMinutes: 45,
  deadlineDays: 7,
  sections: [
    {
      id: 'web',
      title: 'The web',
      questions: [
        {
          kind: 'single_choice',
          id: 'q1',
          prompt: 'Which HTTP status means "not found"?',
          points: 2,
          options: [
            { id: 'a', text: '200' },
            { id: 'b', text: '404', correct: true },
            { id: 'c', text: '500' },
          ],
        },
        {
          kind: 'multiple_choice',
          id: 'q2',
          prompt: 'Which of these are HTTP methods?',
          points: 2,
          options: [
            { id: 'get', text: 'GET', correct: true },
            { id: 'post', text: 'POST', correct: true },
            { id: 'fetch', text: 'FETCH' },
          ],
        },
        {
          kind: 'numeric',
          id: 'q3',
          prompt: 'How many bits are in a byte?',
          points: 2,
          answer: 8,
          unit: 'bits',
        },
      ],
    },
    {
      id: 'writing',
      title: 'Writing',
      questions: [
        {
          kind: 'free_text',
          id: 'q4',
          prompt: 'A customer writes that the dashboard was down yesterday. Write your reply.',
          points: 4,
          rubric: RUBRIC,
          maxLength: 2000,
        },
      ],
    },
  ],
};

const linkIn = (mail: ReceivedMessage, pathPrefix: string): string => {
  const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
  const match = new RegExp(`(http://127\\.0\\.0\\.1:\\d+${pathPrefix}/[A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no ${pathPrefix} link in mail ${mail.idempotencyKey}:\n${text}`);
  return match[1]!;
};

const expectNonEmptyFile = async (file: string) => expect((await stat(file)).size).toBeGreaterThan(1000);

describe("people's pages in Chromium", () => {
  const chrome = useBrowser();
  let database: TestDatabase;
  let temporal: Client;
  let sb: Sandbox;
  let smtp: TestSmtpServer;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let pages: PagesServer;
  let worker: RunningTestWorker;
  let tenantId: string;
  let journeyId: string;
  const taskQueue = uniqueTaskQueue('pages');

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestClient();
    smtp = createTestSmtpServer();
    await smtp.start();
    sb = await startSandbox({ orgs: [{ name: 'Acme', candidates: 3, plan: 'enterprise' }] });
    const secrets = testSecretBox();
    api = await startTestApi({ db: database.db, temporal, taskQueue, secrets });
    pages = await startPagesServer({ db: database.db, temporal, operatorApiKey: TEST_OPERATOR_KEY });
    // Every mail goes to the SMTP server (the people's inboxes) and to the database outbox (the
    // operator's /outbox page), as a deployment without SMTP would keep it.
    const smtpTransport = createSmtpTransport({ url: smtp.url });
    const outbox = createOutboxTransport({ store: createDatabaseOutboxStore(database.db) });
    const both: MailTransport = {
      kind: 'smtp+outbox',
      async deliver(mail) {
        await outbox.deliver(mail);
        return smtpTransport.deliver(mail);
      },
      close: () => smtpTransport.close(),
    };
    worker = await startTestWorker({
      taskQueue,
      activities: testActivities(database.db, {
        secrets,
        mailer: createMailer({ transport: both }),
        publicBaseUrl: pages.url,
      }),
    });

    const org = sb.orgs[0]!;
    tenantId = String((await api.call('POST', '/operator/tenants', { slug: 'acme', name: 'Acme' })).body!.id);
    await api.call('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
      kind: 'v3_client_credentials',
      clientId: org.credentials.v3.clientId,
      clientSecret: org.credentials.v3.clientSecret,
      auditUserId: org.siteAdmin.id,
      greenhouseHost: 'app.greenhouse.io',
      harvestBaseUrl: sb.url,
      authBaseUrl: sb.url,
    });
    expect(
      (await api.call('PUT', `/operator/tenants/${tenantId}/tests/${supportTest.testId}`, supportTest))
        .status,
    ).toBe(201);
    const callbackKey = `callback_org${org.org.id}`;
    const mode = await api.call('POST', `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
      callbackCredential: callbackKey,
    });
    await sb.admin.configureIntegration(org.org.id, {
      partnerApi: { baseUrl: `${api.url}/partner`, apiKey: String(mode.body!.partnerApiKey) },
      callbackAuth: { kind: 'basic_key', key: callbackKey },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await pages?.close();
    await api?.close();
    await sb?.close();
    await smtp?.close();
    await temporal?.connection.close();
    await database?.drop();
  });

  it('candidate: opens the invite from the e-mail on a phone, fixes a wrong answer, submits', async () => {
    const org = sb.orgs[0]!;
    const application = sb.state.org(org.org.id)!.applications.all()[0]!;
    await sb.admin.sendTest(org.org.id, application.id, {
      partnerTestId: supportTest.testId,
      sentByUserId: org.siteAdmin.id,
    });
    await sb.idle();
    const invite = await smtp.waitFor((m) => /:invite:1$/.test(m.idempotencyKey ?? ''), 30_000);
    journeyId = String(invite.idempotencyKey).replace(/:invite:1$/, '');
    const link = linkIn(invite, '/t');
    // A grading link opened before the candidate submitted has nothing to show yet.
    const earlyGrade = await issueLink(database.db, {
      journeyId,
      purpose: 'grade',
      expiresAt: new Date(Date.now() + 3_600_000),
      publicBaseUrl: pages.url,
    });

    const context = await chrome.browser.newContext(phone);
    const page = await context.newPage();
    const console = watchConsole(page);
    await page.goto(earlyGrade);
    expect(await page.locator('h1').innerText()).toBe('Nothing to grade yet');
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    expect(opened?.headers()['content-security-policy']).toContain("default-src 'none'");
    await expectAccessibleBasics(page);
    await expectNoHorizontalScroll(page);
    expect(await page.locator('h1').innerText()).toBe(supportTest.name);
    const html = await page.content();
    expect(html).not.toContain(RUBRIC); // grader guidance never reaches the candidate
    expect(html).not.toContain('correct');

    await page.getByLabel('404').check();
    await page.getByLabel('GET', { exact: true }).check();
    await page.getByLabel('POST', { exact: true }).check();
    await page.locator('textarea[name="q:q4"]').fill(ANSWER);
    // A browser without number inputs (they fall back to text) lets the candidate type a word.
    await page
      .locator('input[name="q:q3"]')
      .evaluate((el) => ((el as unknown as { type: string }).type = 'text'));
    await page.locator('input[name="q:q3"]').fill('eight');
    await page.screenshot({ path: path.join(chrome.screenshotDir, 'candidate-filled.png'), fullPage: true });

    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Submit answers' }).click(),
    ]);
    expect(bad.status()).toBe(400);
    await page.waitForLoadState();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/Please check your answers.*q3/s);
    expect(await page.locator('textarea[name="q:q4"]').inputValue()).toBe(ANSWER);
    expect(await page.getByLabel('404').isChecked()).toBe(true);
    expect(await page.getByLabel('GET', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('POST', { exact: true }).isChecked()).toBe(true);
    await expectAccessibleBasics(page);
    const errorShot = path.join(chrome.screenshotDir, 'candidate-error.png');
    await page.screenshot({ path: errorShot, fullPage: true });

    await page.locator('input[name="q:q3"]').fill('8');
    const [ok] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Submit answers' }).click(),
    ]);
    expect(ok.status()).toBe(200);
    await expect.poll(() => page.locator('h1').innerText()).toBe('Thank you');
    await expectAccessibleBasics(page);
    const thanksShot = path.join(chrome.screenshotDir, 'candidate-thanks.png');
    await page.screenshot({ path: thanksShot, fullPage: true });
    for (const file of ['candidate-filled.png', 'candidate-error.png', 'candidate-thanks.png']) {
      await expectNonEmptyFile(path.join(chrome.screenshotDir, file));
    }
    expect(console.errors).toEqual([]);
    await context.close();
  });

  it('grader: opens the link from the grader e-mail, is told an out-of-range score, grades', async () => {
    const request = await smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:grader_request:1`, 30_000);
    const journey = await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(journey.status).toBe('awaiting_grading');
    expect(request.envelope.to).toEqual([journey.sentBy]);
    const link = linkIn(request, '/g');

    const context = await chrome.browser.newContext(phone);
    const page = await context.newPage();
    const console = watchConsole(page);

    // Before grading, the recruiter's report link says the report is not ready.
    const early = await issueLink(database.db, {
      journeyId,
      purpose: 'report',
      expiresAt: new Date(Date.now() + 3_600_000),
      publicBaseUrl: pages.url,
    });
    const notReady = await page.goto(early);
    expect(notReady?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('The report is not ready yet');

    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    const headers = opened!.headers();
    expect(headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('private, no-store');
    await expectAccessibleBasics(page);
    await expectNoHorizontalScroll(page);
    expect(await page.locator('h1').innerText()).toBe(`Grade: ${supportTest.name}`);
    const body = await page.locator('main').innerText();
    expect(body).toContain(RUBRIC);
    expect(body).toContain('The cause was an expired certificate');
    expect(body).toContain('Question 4');
    expect(body).not.toContain('Question 1'); // keyed questions are graded automatically
    const gradedBy = page.getByLabel('Your name or e-mail');
    expect(await gradedBy.inputValue()).toBe(journey.sentBy);

    const points = page.getByLabel('Points (0 to 4)');
    const comment = page.getByLabel('Comment for the report (optional)');
    await points.fill('7');
    await comment.fill('Kind and concrete; no next step.');
    await gradedBy.fill('Grace Grader');
    // Chromium itself refuses the out-of-range number (min/max on the input): nothing is posted.
    let posts = 0;
    page.on('request', (r) => void (r.method() === 'POST' && posts++));
    await page.getByRole('button', { name: 'Submit grades' }).click();
    expect(
      await points.evaluate(
        (el) => (el as unknown as { validity: { rangeOverflow: boolean } }).validity.rangeOverflow,
      ),
    ).toBe(true);
    expect(posts).toBe(0);
    // A browser without constraint validation posts it: the server says what is wrong, keeps all.
    await page.locator('form').evaluate((f) => ((f as unknown as { noValidate: boolean }).noValidate = true));
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Submit grades' }).click(),
    ]);
    expect(bad.status()).toBe(400);
    await page.waitForLoadState();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('Question 4: Points must be between 0 and 4.');
    expect(await points.inputValue()).toBe('7');
    expect(await points.getAttribute('aria-invalid')).toBe('true');
    expect(await comment.inputValue()).toBe('Kind and concrete; no next step.');
    expect(await gradedBy.inputValue()).toBe('Grace Grader');
    await expectAccessibleBasics(page);
    await page.screenshot({ path: path.join(chrome.screenshotDir, 'grader-error.png'), fullPage: true });
    await expectNonEmptyFile(path.join(chrome.screenshotDir, 'grader-error.png'));

    // Missing points, a word for points, a blank name: each named, nothing recorded.
    for (const [form, message] of [
      [{ 'points:q4': '', gradedBy: 'G' }, 'Question 4: Enter the points, from 0 to 4.'],
      [{ 'points:q4': 'three', gradedBy: 'G' }, 'Question 4: Points must be a number from 0 to 4.'],
      [{ 'points:q4': '-1', gradedBy: 'G' }, 'Question 4: Points must be 0 or more.'],
      [{ 'points:q4': '2', gradedBy: '  ' }, 'Enter your name or e-mail address.'],
    ] as const) {
      const res = await page.request.post(link, { form });
      expect(res.status()).toBe(400);
      expect(await res.text()).toContain(message);
    }

    await points.fill('3');
    const [ok] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Submit grades' }).click(),
    ]);
    expect(ok.status()).toBe(200);
    await expect.poll(() => page.locator('h1').innerText()).toBe('Thank you');
    await expectAccessibleBasics(page);

    // 2 + 2 + 2 automatic, 3 of 4 from the grader: 9 of 10.
    const final = await temporal.workflow.getHandle(journeyId).result();
    expect(final).toMatchObject({ status: 'complete', scorePercent: 90, passed: true });
    const submission = await database.db.submission.findUniqueOrThrow({ where: { journeyId } });
    expect(submission.gradedBy).toBe('Grace Grader');
    expect(submission.graderScores).toEqual({
      q4: { points: 3, comment: 'Kind and concrete; no next step.' },
    });

    // The link again: already graded. A made-up token: not found.
    await page.goto(link);
    expect(await page.locator('h1').innerText()).toBe('Already graded');
    expect(await page.locator('main').innerText()).toContain('graded by Grace Grader');
    const again = await page.request.post(link, { form: { 'points:q4': '4', gradedBy: 'Mallory' } });
    expect(again.status()).toBe(409);
    expect(await again.text()).toContain('Already graded');
    const unknown = await page.goto(`${pages.url}/g/grg_${'x'.repeat(40)}`);
    expect(unknown?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Link not found');
    await expectAccessibleBasics(page);
    expect(console.errors).toEqual([]);
    await context.close();
  });

  it('recruiter: the report link Greenhouse shows opens the PDF', async () => {
    const row = await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    // The read model keeps the link encrypted (journeys/links.ts).
    const journey = { profileUrl: openReportLink(api.secrets, journeyId, row.profileUrl) };
    expect(journey.profileUrl).toMatch(new RegExp(`^${pages.url}/r/`));
    await waitFor('Greenhouse to show the report link', async () => {
      await sb.idle();
      return sb.admin.tests(sb.orgs[0]!.org.id)[0]?.partnerProfileUrl === journey.profileUrl;
    });

    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    const res = await page.request.get(journey.profileUrl!);
    expect(res.status()).toBe(200);
    const headers = res.headers();
    expect(headers['content-type']).toBe('application/pdf');
    expect(headers['content-disposition']).toMatch(
      /^inline; filename="assessment-report-[A-Za-z0-9._-]+\.pdf"$/,
    );
    expect(headers['cache-control']).toBe('private, no-store');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const pdf = await res.body();
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const stored = await database.db.report.findUniqueOrThrow({ where: { journeyId } });
    expect(Buffer.compare(pdf, Buffer.from(stored.content))).toBe(0);
    // A wrong kind of token (the grader's path) does not open the report.
    expect((await page.request.get(journey.profileUrl!.replace('/r/', '/g/'))).status()).toBe(404);
    await context.close();
  });

  it('outbox: needs the operator key, then lists the mails newest first', async () => {
    const url = `${pages.url}/outbox`;
    const anonymous = await chrome.browser.newContext();
    const page = await anonymous.newPage();
    // (A navigation would stop at Chromium's sign-in prompt, which headless Chromium cancels.)
    const refused = await page.request.get(url);
    expect(refused.status()).toBe(401);
    expect(refused.headers()['www-authenticate']).toMatch(/^Basic realm="greenroom outbox"/);
    expect(refused.headers()['content-type']).toMatch(/^text\/html/);
    expect(await refused.text()).toContain('Operator key required');
    expect(await refused.text()).not.toContain(journeyId);
    const wrong = await page.request.get(url, { headers: { authorization: 'Bearer not-the-key' } });
    expect(wrong.status()).toBe(401);
    const bearer = await page.request.get(url, { headers: { authorization: `Bearer ${TEST_OPERATOR_KEY}` } });
    expect(bearer.status()).toBe(200);
    await anonymous.close();

    // A browser: HTTP Basic, any user name, the operator key as the password.
    const operator = await chrome.browser.newContext({
      httpCredentials: { username: 'operator', password: TEST_OPERATOR_KEY },
    });
    const signedIn = await operator.newPage();
    const console = watchConsole(signedIn);
    const res = await signedIn.goto(url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expectAccessibleBasics(signedIn);
    const keys = await signedIn.locator('article dd code').allInnerTexts();
    const ours = keys.filter((k) => k.startsWith(`${journeyId}:`));
    expect(ours).toEqual([`${journeyId}:grader_request:1`, `${journeyId}:invite:1`]);
    // The invitation's HTML renders inside its sandboxed frame.
    const inviteFrame = signedIn.frameLocator(
      'article:has(code:text-is("' + journeyId + ':invite:1")) iframe',
    );
    await expect.poll(() => inviteFrame.locator('body').innerText()).toContain(supportTest.name);
    await signedIn.screenshot({ path: path.join(chrome.screenshotDir, 'outbox.png') });
    expect(console.errors).toEqual([]);
    await operator.close();
  });
});
