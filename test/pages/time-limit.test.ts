import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessmentStateQuery, type AssessmentJourneyInput } from '../../workflows/assessment/contract.js';
import { waitFor } from '../../harness/processes.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { keyedTest, startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';

// The time limit the invitation promises ("the timer starts when you open the assessment"), on the
// real stack: the first open of the page starts it, the page shows what is left (no JavaScript),
// and at the limit the workflow takes the answers saved so far, or an empty submission.

/** The keyed test (q1: b, q2: 0.3; 2 points each) with the shortest limit a test may have. */
const timedTest = { ...keyedTest, timeLimitMinutes: 1 };
const LIMIT_MS = 60_000;

describe('the time limit of a test', () => {
  let stack: AssessmentStack;
  beforeAll(async () => {
    stack = await startAssessmentStack({ tests: [timedTest] });
  });
  afterAll(async () => stack?.close());

  const applications = () => stack.sb.state.org(stack.org.org.id)!.applications.all();
  /** The recruiter sends the test in Greenhouse; answers the candidate's link from the invitation. */
  async function invite(index: number) {
    const application = applications()[index]!;
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(application.id);
    const mail = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
    const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    return { journeyId, link, handle: stack.temporal.workflow.getHandle(journeyId) };
  }
  /**
   * A journey started before policies carried the limit (its input has none): the page's start
   * signal tells the workflow the pinned test's limit.
   */
  async function startWithoutLimitInPolicy(index: number) {
    const application = applications()[index]!;
    const journeyId = stack.journeyIdFor(application.id);
    await stack.database.db.journey.create({
      data: {
        id: journeyId,
        tenantId: stack.tenantId,
        kind: 'assessment',
        status: 'created',
        testId: 'js-basics',
        testVersion: 1,
        trigger: 'vendor',
        greenhouseApplicationId: String(application.id),
      },
    });
    await stack.database.db.journeyCandidate.create({
      data: { journeyId, firstName: 'Old', lastName: 'Journey', email: `old-${application.id}@example.com` },
    });
    const policy = {
      deadlineDays: 7,
      reminders: { afterInviteHours: [], beforeDeadlineHours: [] },
      graderReminderHours: [],
      applicationMatch: { intervalSeconds: 1, attempts: 1 },
    };
    const input = {
      journeyId,
      tenantId: stack.tenantId,
      testId: 'js-basics',
      testVersion: 1,
      trigger: 'vendor',
      applicationId: String(application.id),
      policy,
    } satisfies AssessmentJourneyInput;
    const handle = await stack.temporal.workflow.start('assessmentJourney', {
      workflowId: journeyId,
      taskQueue: stack.taskQueue,
      args: [input],
    });
    const mail = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
    const text = mail.parts.find((p) => p.contentType === 'text/plain')!.body;
    const link = /(http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    return { journeyId, link, handle };
  }
  const open = async (link: string) => {
    const res = await fetch(link);
    return { status: res.status, html: await res.text() };
  };
  const post = async (link: string, fields: Record<string, string>) => {
    const res = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    return { status: res.status, html: await res.text() };
  };
  /**
   * The time left the page shows, in seconds ("1 minute" is 60). Under load the page may render a
   * few seconds after the first open, so the first reading is 50–60, not exactly 60.
   */
  const secondsLeft = (html: string) => {
    const m = /Time left: (?:(1) minute|(\d\d?) seconds?)<\/strong>/.exec(html);
    expect(m, 'the page shows the time left').not.toBeNull();
    return m![1] ? 60 : Number(m![2]);
  };
  const attemptOf = (journeyId: string) => stack.database.db.testAttempt.findUnique({ where: { journeyId } });
  const submissionOf = (journeyId: string) =>
    stack.database.db.submission.findUnique({ where: { journeyId } });

  it('starts at the first open, shows the time left, and takes the saved answers (or none) at the limit', async () => {
    const [saver, idle, quick, older] = await Promise.all([
      invite(0),
      invite(1),
      invite(2),
      startWithoutLimitInPolicy(4),
    ]);
    expect(secondsLeft((await open(older.link)).html)).toBeGreaterThanOrEqual(50);
    // Not opened yet: nothing started.
    expect(await attemptOf(saver.journeyId)).toBeNull();

    // The first open starts the clock; the page says how much is left, without a script.
    const first = await open(saver.link);
    expect(first.status).toBe(200);
    expect(first.html).toMatch(/Time left: [^<]+<\/strong> \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
    const firstLeft = secondsLeft(first.html);
    expect(firstLeft).toBeGreaterThanOrEqual(50);
    expect(first.html).toContain('name="action" value="save"');
    expect(first.html).not.toContain('<script');
    const startedAt = (await attemptOf(saver.journeyId))!.startedAt;
    await waitFor(
      'the workflow to hear of the start',
      async () => (await saver.handle.query(assessmentStateQuery)).timeLimitEndsAt !== undefined,
      20_000,
    );
    expect((await saver.handle.query(assessmentStateQuery)).timeLimitEndsAt).toBe(
      new Date(startedAt.getTime() + LIMIT_MS).toISOString(),
    );
    await waitFor(
      'the recruiter to see in_progress',
      async () =>
        (await stack.database.db.journey.findUniqueOrThrow({ where: { id: saver.journeyId } })).status ===
        'in_progress',
      20_000,
    );

    // Opening again later does not restart it, and shows less time.
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await open(saver.link);
    expect(secondsLeft(again.html)).toBeLessThan(firstLeft);
    expect((await attemptOf(saver.journeyId))!.startedAt).toEqual(startedAt);

    // Saving keeps the answers (and shows them); a bad answer is refused and changes nothing.
    const saved = await post(saver.link, { 'q:q1': 'b', action: 'save' });
    expect(saved.status).toBe(200);
    expect(saved.html).toMatch(/Last saved \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(saved.html).toMatch(/value="b" checked/);
    const draft = (await attemptOf(saver.journeyId))!.draft;
    expect(JSON.stringify(draft)).not.toContain('"q1"'); // sealed with the journey's key
    const bad = await post(saver.link, { 'q:q1': 'zz', action: 'save' });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/Please check your answers/);
    expect((await attemptOf(saver.journeyId))!.draft).toEqual(draft);
    expect(await submissionOf(saver.journeyId)).toBeNull(); // saving is not submitting

    // Another candidate opens and saves nothing; a third submits in time.
    expect((await open(idle.link)).status).toBe(200);
    expect((await open(quick.link)).status).toBe(200);
    const submitted = await post(quick.link, { 'q:q1': 'b', 'q:q2': '0.3' });
    expect(submitted.status).toBe(200);
    expect(submitted.html).toContain('Thank you');
    expect(await quick.handle.result()).toMatchObject({ status: 'complete', scorePercent: 100 });
    const inTime = (await submissionOf(quick.journeyId))!;
    expect(inTime).toMatchObject({ timedOut: false, answers: { q1: 'b', q2: 0.3 } });
    expect(inTime.startedAt).toEqual((await attemptOf(quick.journeyId))!.startedAt);

    // At the limit the workflow takes what was saved: half the points, marked timed out.
    const savedResult = await saver.handle.result();
    expect(savedResult).toMatchObject({ status: 'complete', timedOut: true, scorePercent: 50 });
    await recordHistoryIfAsked('assessment-time-limit-taken', saver.journeyId);
    const taken = (await submissionOf(saver.journeyId))!;
    expect(taken).toMatchObject({ timedOut: true, answers: { q1: 'b' }, startedAt });
    expect(taken.submittedAt.getTime()).toBe(startedAt.getTime() + LIMIT_MS);
    const takenAt = await stack.database.db.journeyEvent.findFirstOrThrow({
      where: { journeyId: saver.journeyId, step: 'takeTimedOutSubmission' },
    });
    expect(takenAt.label).toMatch(/time limit ran out/);
    expect(takenAt.at.getTime()).toBeGreaterThanOrEqual(startedAt.getTime() + LIMIT_MS);

    // Nothing saved: an empty submission, 0 points, also marked.
    expect(await idle.handle.result()).toMatchObject({ status: 'complete', timedOut: true, scorePercent: 0 });
    expect(await submissionOf(idle.journeyId)).toMatchObject({ timedOut: true, answers: {} });

    // The older journey learnt the limit from the page's start and kept it too.
    expect(await older.handle.result()).toMatchObject({
      status: 'complete',
      timedOut: true,
      scorePercent: 0,
    });

    // After the limit nothing more is taken, and the page says the test is closed.
    const late = await post(saver.link, { 'q:q1': 'a', 'q:q2': '0.3' });
    expect(late.status).toBe(409);
    expect((await submissionOf(saver.journeyId))!.answers).toEqual({ q1: 'b' });
    await waitFor(
      'the result in the read model',
      async () =>
        (await stack.database.db.journey.findUniqueOrThrow({ where: { id: saver.journeyId } })).status ===
        'complete',
      20_000,
    );
    expect((await open(saver.link)).html).toContain('Already submitted');
    // The recruiter's note in Greenhouse says so.
    const application = applications()[0]!;
    await waitFor(
      'the result note in Greenhouse',
      async () =>
        stack.greenhouse(application.id).notes.some((n) => String(n.body).includes(saver.journeyId)),
      30_000,
    );
    const note = stack
      .greenhouse(application.id)
      .notes.find((n) => String(n.body).includes(saver.journeyId))!;
    expect(String(note.body)).toContain('JavaScript basics: 50%');
    expect(String(note.body)).toContain('The time limit ran out: the answers saved by then were scored.');
  }, 240_000);

  it('refuses answers sent after the limit even before the workflow took the submission', async () => {
    const late = await invite(3);
    expect((await open(late.link)).status).toBe(200);
    const startedAt = (await attemptOf(late.journeyId))!.startedAt;
    // The worker is down over the limit: only the page can refuse what comes after it.
    await stack.stopWorker();
    try {
      await new Promise((r) => setTimeout(r, Math.max(0, startedAt.getTime() + LIMIT_MS + 500 - Date.now())));
      const after = await post(late.link, { 'q:q1': 'b', 'q:q2': '0.3' });
      expect(after.status).toBe(409);
      expect(after.html).toContain('Time is up');
      const reopened = await open(late.link);
      expect(reopened.html).toContain('Time is up');
      const saveAfter = await post(late.link, { 'q:q1': 'b', action: 'save' });
      expect(saveAfter.status).toBe(409);
      expect((await attemptOf(late.journeyId))!.draft).toBeNull();
      expect(await submissionOf(late.journeyId)).toBeNull();
    } finally {
      await stack.restartWorker();
    }
    // Back up, the workflow takes the (empty) submission at once.
    expect(await late.handle.result()).toMatchObject({ status: 'complete', timedOut: true, scorePercent: 0 });
    expect(await submissionOf(late.journeyId)).toMatchObject({ timedOut: true, answers: {} });
  }, 240_000);
});
