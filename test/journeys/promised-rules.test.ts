import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMetrics, type WorkerMetrics } from '../../observability/metrics.js';
import {
  submitAnswersUpdate,
  submitGradesUpdate,
  type AssessmentJourneyInput,
} from '../../workflows/assessment/contract.js';
import { referenceCheckStateQuery } from '../../workflows/reference-check/contract.js';
import { waitFor } from '../../harness/processes.js';
import type { ReceivedMessage } from '../../harness/smtp-server.js';
import { keyedTest } from '../helpers/assessment-stack.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import {
  standardReferenceCheck,
  startReferenceCheckStack,
  type ReferenceCheckStack,
} from '../helpers/reference-check-stack.js';
import { startTestWorker, uniqueTaskQueue, type RunningTestWorker } from '../helpers/temporal.js';

// The rules the product promises, each on the real stack (Temporal dev server, PostgreSQL, a real
// SMTP server, the Greenhouse sandbox over HTTP, our API and worker), with timings shrunk to seconds.

/** A test with a free-text question: a grader must grade it. */
const essayTest = {
  ...keyedTest,
  testId: 'essay',
  name: 'Essay',
  timeLimitMinutes: undefined,
  sections: [
    {
      id: 'core',
      title: 'Core',
      questions: [
        keyedTest.sections[0]!.questions[0]!,
        { kind: 'free_text', id: 'why', prompt: 'Why?', points: 2, rubric: 'Clear reasoning.' },
      ],
    },
  ],
};

const SECOND_IN_HOURS = 1 / 3600;
const DAY_S = 86_400;

describe('promised rules', () => {
  let stack: ReferenceCheckStack;
  let metrics: WorkerMetrics;
  let observedWorker: RunningTestWorker;

  beforeAll(async () => {
    stack = await startReferenceCheckStack({
      sandbox: { orgs: [{ name: 'Acme', candidates: 8, plan: 'enterprise' }] },
      templates: [standardReferenceCheck, essayTest],
    });
    // Rejections and hires reach us as signed webhooks from the sandbox.
    const mode = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
      {},
    );
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      webhook: {
        url: `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`,
        secret: String(mode.body!.webhookSecret),
        ping: true,
      },
    });
    // A worker with the production metrics and timeline, as workers/main.ts runs it.
    metrics = createWorkerMetrics();
    observedWorker = await startTestWorker({
      taskQueue: uniqueTaskQueue('observed'),
      activities: stack.activities(),
      timelineDb: stack.database.db,
      observe: { metrics },
    });
  });
  afterAll(async () => {
    await observedWorker?.stop();
    await stack?.close();
  });

  const gh = () => stack.sb.state.org(stack.org.org.id)!;
  const applications = () => gh().applications.all();
  const mailsOf = (prefix: string) =>
    stack.smtp.messages
      .filter((m) => m.idempotencyKey?.startsWith(`${prefix}:`))
      .map((m) => m.idempotencyKey!.slice(prefix.length + 1));
  /** When the mailer sent it (the Date header, to the second). */
  const sentAt = (m: ReceivedMessage) => Date.parse(m.headers['date']!);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /**
   * An assessment journey as the starter records it (read-model row, candidate), started directly
   * with a policy in seconds: the catalogue's whole hours are too long for a test.
   */
  async function startAssessment(options: {
    id: string;
    testId: 'js-basics' | 'essay';
    applicationId: number | null;
    email: string;
    jobId?: number;
    graderReminderSeconds?: number[];
    applicationMatch?: { intervalSeconds: number; attempts: number };
    taskQueue?: string;
  }) {
    const journeyId = `assessment:${stack.tenantId}:${options.id}:${options.testId}`;
    const testVersion = 1;
    await stack.database.db.journey.create({
      data: {
        id: journeyId,
        tenantId: stack.tenantId,
        kind: 'assessment',
        status: 'created',
        testId: options.testId,
        testVersion,
        trigger: 'vendor',
        sentBy: 'grader@vendor.example',
        greenhouseApplicationId: options.applicationId === null ? null : String(options.applicationId),
        ...(options.jobId ? { jobId: String(options.jobId) } : {}),
      },
    });
    await stack.database.db.journeyCandidate.create({
      data: { journeyId, firstName: 'Ada', lastName: 'Lovelace', email: options.email },
    });
    const input: AssessmentJourneyInput = {
      journeyId,
      tenantId: stack.tenantId,
      testId: options.testId,
      testVersion,
      trigger: 'vendor',
      applicationId: options.applicationId === null ? null : String(options.applicationId),
      policy: {
        deadlineDays: 600 / DAY_S,
        reminders: { afterInviteHours: [], beforeDeadlineHours: [] },
        graderReminderHours: (options.graderReminderSeconds ?? []).map((s) => s * SECOND_IN_HOURS),
        applicationMatch: options.applicationMatch ?? { intervalSeconds: 1, attempts: 1 },
      },
    };
    const handle = await stack.temporal.workflow.start('assessmentJourney', {
      workflowId: journeyId,
      taskQueue: options.taskQueue ?? stack.taskQueue,
      args: [input],
    });
    return { journeyId, handle };
  }

  // --- Referee reminders -------------------------------------------------------------------------

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  async function answerReference(link: string) {
    await fetch(link); // opens the page
    await sleep(1100); // slower than the template's minimum
    const openedAt = /name="openedAt" value="([^"]+)"/.exec(await (await fetch(link)).text())![1]!;
    const res = await fetch(
      link,
      form({ action: 'submit', openedAt, 'q:quality': '4', 'q:teamwork': '5', 'q:comments': 'Reliable.' }),
    );
    return res.status;
  }

  it('reminds each referee at the configured offsets and stops once they answered', async () => {
    const reminderSeconds = [6, 14];
    const { journeyId, handle } = await stack.startReferenceCheckDirect(0, {
      nominationSeconds: 120,
      refereeSeconds: 60,
      deadlineSeconds: 180,
      refereeReminderSeconds: reminderSeconds,
    });
    const fields: Record<string, string> = {};
    [
      { name: 'Mia Manager', email: 'mia.rr@globex.example', relationship: 'manager', company: 'Globex' },
      { name: 'Pete Peer', email: 'pete.rr@globex.example', relationship: 'peer' },
      { name: 'Cleo Client', email: 'cleo.rr@initech.example', relationship: 'client' },
    ].forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) fields[`r${i}.${k}`] = v;
    });
    expect((await fetch(await stack.nominationLink(journeyId), form(fields))).status).toBe(200);
    const referees = await stack.referees(journeyId);
    expect(referees).toHaveLength(3);
    const [first, ...others] = referees.map((r) => r.id);

    // The first referee answers after their first reminder: their second never comes.
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${first}:reminder:1`, 30_000);
    expect(await answerReference(await stack.refereeLink(first!))).toBe(200);
    await waitFor(
      'the answer counted',
      async () => (await handle.query(referenceCheckStateQuery)).answered === 1,
      20_000,
    );

    // The others are reminded at both offsets, counted from their own request.
    for (const refereeId of others) {
      await stack.smtp.waitFor((m) => m.idempotencyKey === `${refereeId}:reminder:2`, 40_000);
    }
    const rows = await stack.referees(journeyId);
    for (const refereeId of [first!, ...others]) {
      const requestedAt = rows.find((r) => r.id === refereeId)!.requestedAt!.getTime();
      const reminders = stack.smtp.messages.filter((m) =>
        m.idempotencyKey?.startsWith(`${refereeId}:reminder:`),
      );
      reminders.forEach((mail, i) => {
        // Never early (the Date header has whole seconds), late only by the machine's load.
        expect(sentAt(mail)).toBeGreaterThanOrEqual(requestedAt + reminderSeconds[i]! * 1000 - 1000);
        expect(sentAt(mail)).toBeLessThan(requestedAt + reminderSeconds[i]! * 1000 + 10_000);
      });
    }
    // Past the first referee's second offset (and some): still only one reminder for them.
    const firstRequested = rows.find((r) => r.id === first)!.requestedAt!.getTime();
    await sleep(Math.max(0, firstRequested + (reminderSeconds[1]! + 3) * 1000 - Date.now()));
    expect(mailsOf(first!)).toEqual(['request:1', 'reminder:1']);
    for (const refereeId of others) {
      expect(mailsOf(refereeId)).toEqual(['request:1', 'reminder:1', 'reminder:2']);
    }
  }, 120_000);

  // --- The fail-stage move -----------------------------------------------------------------------

  it('moves a failed candidate to the job rule’s fail stage, exactly once', async () => {
    const application = applications()[1]!;
    const stages = gh().stagesOfJob(application.jobId);
    const fail = stages.find((st) => st.id !== application.stageId && st.name !== 'Offer')!;
    const offer = stages.find((st) => st.name === 'Offer')!;
    const rule = await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/job-test-mappings`, {
      mappings: [
        { jobId: application.jobId, testId: 'js-basics', passStageId: offer.id, failStageId: fail.id },
      ],
    });
    expect(rule.status).toBe(200);
    await stack.sb.admin.sendTest(stack.org.org.id, application.id, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    const journeyId = stack.journeyIdFor(application.id);
    // Both answers wrong: 0 %, below the 50 % pass mark.
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'a', 'q:q2': '7' })).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      passed: false,
      scorePercent: 0,
    });
    expect(gh().applications.get(application.id)!.stageId).toBe(fail.id);
    const moves = () =>
      stack.sb.requestLog.list({ method: 'POST', path: `/v3/applications/${application.id}/move` });
    expect(moves()).toHaveLength(1);
    // A retry of the step (a crash after Greenhouse moved it) moves nothing again.
    expect(await stack.activities().moveStageOnResult({ journeyId, passed: false })).toEqual({
      moved: false,
    });
    expect(moves()).toHaveLength(1);
    expect(await stack.database.db.harvestEffect.count({ where: { journeyId, effect: 'stage_move' } })).toBe(
      1,
    );
  });

  // --- Grader reminders stop on a Greenhouse reject or hire --------------------------------------

  it('stops reminding the grader once Greenhouse rejects or hires the candidate', async () => {
    const reminderSeconds = [6, 12];
    const cases = [
      {
        event: 'reject_candidate',
        application: applications()[2]!,
        stop: (id: number) => stack.sb.admin.reject(stack.org.org.id, id, 'Not a fit'),
      },
      {
        event: 'hire_candidate',
        application: applications()[3]!,
        stop: (id: number) => stack.sb.admin.hire(stack.org.org.id, id),
      },
    ];
    await Promise.all(
      cases.map(async ({ event, application, stop }) => {
        const { journeyId, handle } = await startAssessment({
          id: `app-${application.id}`,
          testId: 'essay',
          applicationId: application.id,
          email: `grader-stop-${application.id}@example.com`,
          graderReminderSeconds: reminderSeconds,
        });
        await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 30_000);
        await handle.executeUpdate(submitAnswersUpdate, {
          args: [{ answers: { q1: 'b', why: 'Because.' } }],
        });
        const request = await stack.smtp.waitFor(
          (m) => m.idempotencyKey === `${journeyId}:grader_request:1`,
          30_000,
        );
        stop(application.id);
        expect(await handle.result()).toMatchObject({
          status: 'cancelled',
          stopReason: `stopped by Greenhouse: ${event}`,
        });
        // Past both reminder times: no reminder went out after the stop.
        await sleep(Math.max(0, sentAt(request) + (reminderSeconds[1]! + 3) * 1000 - Date.now()));
        expect(mailsOf(journeyId)).toEqual(['invite:1', 'grader_request:1']);
        if (event === 'reject_candidate')
          await recordHistoryIfAsked('assessment-grading-stopped-by-greenhouse', journeyId);
        const grades = await handle
          .executeUpdate(submitGradesUpdate, {
            args: [{ scores: { why: { points: 1 } }, gradedBy: 'g@vendor.example' }],
          })
          .catch((e: unknown) => e);
        expect(grades).toBeInstanceOf(Error);
        const row = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
        expect(row).toMatchObject({ status: 'cancelled', statusDetail: `stopped by Greenhouse: ${event}` });
        expect(
          (await stack.database.db.submission.findUniqueOrThrow({ where: { journeyId } })).result,
        ).toBeNull();
      }),
    );
  }, 120_000);

  // --- Vendor mode gives up on the application ---------------------------------------------------

  it('gives up looking for the application after its attempts: failed, on the timeline, counted, in the listing', async () => {
    const jobId = applications()[0]!.jobId;
    const { journeyId, handle } = await startAssessment({
      id: 'vendor-nobody',
      testId: 'js-basics',
      applicationId: null,
      email: 'nobody.applied@example.com',
      jobId,
      applicationMatch: { intervalSeconds: 1, attempts: 3 },
      taskQueue: observedWorker.taskQueue,
    });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'failed' });
    expect(result.stopReason).toMatch(/^gave up: no matching Greenhouse application after 3 attempts: /);
    expect(mailsOf(journeyId)).toEqual([]); // never invited: results could not have landed
    await recordHistoryIfAsked('assessment-application-give-up', journeyId);

    // The operator's listing says why.
    const listing = await stack.api.call(
      'GET',
      `/operator/journeys?tenantId=${stack.tenantId}&status=failed`,
    );
    expect(listing.status).toBe(200);
    const listed = (listing.body!.journeys as { id: string; statusDetail: string | null }[]).find(
      (j) => j.id === journeyId,
    );
    expect(listed?.statusDetail).toBe(result.stopReason);

    // The timeline has one give-up event after the three looks.
    const detail = await stack.api.call('GET', `/operator/journeys/${encodeURIComponent(journeyId)}`);
    const timeline = detail.body!.timeline as {
      step: string;
      label: string;
      outcome: string;
      detail: string | null;
    }[];
    expect(timeline.filter((e) => e.step === 'findApplication')).toHaveLength(3);
    const gaveUp = timeline.filter((e) => e.step === 'applicationMatchGaveUp');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ outcome: 'failed_final', detail: result.stopReason });
    expect(gaveUp[0]!.label).toMatch(
      /gave up looking for the candidate's application in Greenhouse after 3 attempts/,
    );
    // Run again (a retry after a crash): still one event, counted once.
    expect(
      await stack.activities().recordApplicationGiveUp({
        journeyId,
        kind: 'assessment',
        attempts: 3,
        reason: result.stopReason!,
      }),
    ).toEqual({ recorded: false });

    // And the metric counts it.
    const scraped = await metrics.scrape();
    expect(scraped).toMatch(/^greenroom_application_match_gave_up_total\{kind="assessment"\} 1$/m);
    expect(scraped).toMatch(/^greenroom_journeys_finished_total\{kind="assessment",status="failed"\} 1$/m);
  });
});
