import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { AssessmentActivities } from '../../activities/assessment/types.js';
import type { JourneyActivities } from '../../activities/journeys/types.js';
import type { JourneyStatus } from '../../domain/journey.js';
import {
  GreenhouseApplicationIdKey,
  JourneyKindKey,
  JourneyStatusKey,
  TenantIdKey,
  TestIdKey,
} from '../../domain/search-attributes.js';
import { reminderSchedule } from '../../domain/tests/reminders.js';
import { greenhouseActivityOptions, localActivityOptions } from '../shared/activity-options.js';
import { awaitApplication } from '../shared/await-application.js';
import { withGreenhouseConnection } from '../shared/greenhouse-wait.js';
import { writebackWithRecovery } from '../shared/writeback.js';
import {
  assessmentStateQuery,
  cancelUpdate,
  extendDeadlineUpdate,
  greenhouseStopSignal,
  resendInviteUpdate,
  submitAnswersUpdate,
  submitGradesUpdate,
  testStartedSignal,
  type AssessmentJourneyInput,
  type AssessmentJourneyState,
} from './messages.js';

const HOUR = 3_600_000;

const local = proxyActivities<AssessmentActivities & JourneyActivities>(localActivityOptions);
const greenhouse = proxyActivities<AssessmentActivities>(greenhouseActivityOptions);

/**
 * The assessment journey: invite → await submission (reminders, deadline, resend, extend, cancel)
 * → grade (keyed questions automatically, free text by a grader) → post result → attach report.
 * Every effect is an idempotent activity; the workflow holds only ids, times and scores.
 */
export async function assessmentJourney(input: AssessmentJourneyInput): Promise<AssessmentJourneyState> {
  const state: AssessmentJourneyState = {
    journeyId: input.journeyId,
    status: 'created',
    waitingFor: null,
    deadlineAt: null,
    invitesSent: 0,
    remindersSent: 0,
    scorePercent: null,
    passed: null,
    stopReason: null,
  };
  let version = 0;
  let applicationId = input.applicationId;
  let submitted = false;
  let needsGrader = false;
  let graded = false;
  let resendRequested = false;
  let deadlineChanged = false;
  let finished = false;

  const record = async (
    status: JourneyStatus,
    waitingFor: string | null,
    extra: { completedAt?: string } = {},
  ) => {
    state.status = status;
    state.waitingFor = waitingFor;
    upsertSearchAttributes([{ key: JourneyStatusKey, value: status }]);
    await local.recordJourneySnapshot({
      journeyId: input.journeyId,
      tenantId: input.tenantId,
      kind: 'assessment',
      status,
      statusDetail: waitingFor ?? state.stopReason,
      stateVersion: ++version,
      testId: input.testId,
      deadlineAt: state.deadlineAt,
      completedAt: extra.completedAt ?? null,
      greenhouseApplicationId: applicationId,
      scorePercent: state.scorePercent,
    });
  };
  const stopped = () => state.stopReason !== null;
  // Open from the moment the invite went out: a quick candidate may submit before 'sent' is recorded.
  const awaitingSubmission = () =>
    state.invitesSent > 0 && !finished && ['created', 'sent', 'in_progress'].includes(state.status);

  setHandler(assessmentStateQuery, () => state);
  setHandler(testStartedSignal, () => {
    if (state.status === 'sent') state.status = 'in_progress'; // recorded on the next step
  });
  setHandler(greenhouseStopSignal, ({ event }) => {
    if (!finished && !submitted) state.stopReason ??= `stopped by Greenhouse: ${event}`;
  });
  setHandler(
    submitAnswersUpdate,
    async ({ answers }) => {
      const { freeTextToGrade } = await local.storeSubmission({
        journeyId: input.journeyId,
        answers,
        submittedAt: new Date().toISOString(),
      });
      submitted = true;
      needsGrader = freeTextToGrade > 0;
      return state;
    },
    {
      validator: (_request) => {
        if (submitted) throw new Error('the answers were already submitted');
        if (!awaitingSubmission())
          throw new Error(`the test can no longer be submitted: the journey is ${state.status}`);
      },
    },
  );
  setHandler(
    submitGradesUpdate,
    async (request) => {
      await local.storeGrades({ journeyId: input.journeyId, ...request });
      graded = true;
      return state;
    },
    {
      validator: ({ gradedBy }) => {
        if (state.status !== 'awaiting_grading')
          throw new Error(`nothing to grade: the journey is ${state.status}`);
        if (graded) throw new Error('the answers were already graded');
        if (typeof gradedBy !== 'string' || !gradedBy.trim()) throw new Error('gradedBy is required');
      },
    },
  );
  setHandler(
    resendInviteUpdate,
    async () => {
      resendRequested = true;
      await condition(() => !resendRequested);
      return state;
    },
    { validator: () => assertAwaitingSubmission('resend the invitation') },
  );
  setHandler(
    extendDeadlineUpdate,
    ({ deadlineAt }) => {
      state.deadlineAt = new Date(deadlineAt).toISOString();
      deadlineChanged = true;
      return state;
    },
    {
      validator: ({ deadlineAt }) => {
        assertAwaitingSubmission('extend the deadline');
        const next = Date.parse(deadlineAt);
        if (Number.isNaN(next)) throw new Error('deadlineAt must be an ISO date-time');
        if (next <= Date.parse(state.deadlineAt ?? ''))
          throw new Error('the new deadline must be later than the current one');
      },
    },
  );
  setHandler(
    cancelUpdate,
    ({ reason }) => {
      state.stopReason = `cancelled: ${reason}`;
      return state;
    },
    {
      validator: ({ reason }) => {
        if (finished || submitted)
          throw new Error(`the journey can no longer be cancelled: it is ${state.status}`);
        if (typeof reason !== 'string' || !reason.trim()) throw new Error('reason is required');
      },
    },
  );
  function assertAwaitingSubmission(what: string) {
    if (!awaitingSubmission() || submitted || stopped()) {
      throw new Error(`cannot ${what}: the journey is ${state.status}`);
    }
  }

  upsertSearchAttributes([
    { key: TenantIdKey, value: input.tenantId },
    { key: JourneyKindKey, value: 'assessment' },
    { key: TestIdKey, value: input.testId },
    ...(applicationId ? [{ key: GreenhouseApplicationIdKey, value: applicationId }] : []),
  ]);
  await record('created', 'preparing the invitation');

  const end = async (status: JourneyStatus) => {
    finished = true;
    await record(status, null);
    await condition(allHandlersFinished);
    return state;
  };

  // Vendor mode: the application must exist in Greenhouse (same e-mail) before results can land.
  if (!applicationId) {
    const match = await awaitApplication({
      policy: input.policy.applicationMatch,
      find: () =>
        withGreenhouseConnection(input.journeyId, () =>
          greenhouse.findApplication({ journeyId: input.journeyId }),
        ),
      waiting: (detail) => record('created', detail),
      stopped,
    });
    if (match.outcome === 'stopped') return end('cancelled');
    if (match.outcome === 'gave_up') {
      state.stopReason = match.reason;
      return end('failed');
    }
    applicationId = match.applicationId;
  }

  // Invite.
  const invitedAt = Date.now();
  state.deadlineAt = new Date(invitedAt + input.policy.deadlineDays * 24 * HOUR).toISOString();
  const invite = async () => {
    state.invitesSent++;
    await local.sendCandidateEmail({
      journeyId: input.journeyId,
      purpose: 'invite',
      n: state.invitesSent,
      deadlineAt: state.deadlineAt!,
    });
  };
  await invite();
  await record('sent', 'the candidate to take the test');

  // Await submission, with reminders and the deadline.
  let recordedStatus: JourneyStatus = 'sent';
  const remindersDue = () =>
    reminderSchedule({
      invitedAt: new Date(invitedAt).toISOString(),
      deadlineAt: state.deadlineAt!,
      policy: input.policy.reminders,
    }).filter((r) => Date.parse(r.at) > Date.now());
  while (!submitted && !stopped()) {
    if (state.status !== recordedStatus) {
      recordedStatus = state.status;
      await record(state.status, 'the candidate to finish the test');
    }
    const next = remindersDue()[0];
    const wakeAt = Math.min(next ? Date.parse(next.at) : Infinity, Date.parse(state.deadlineAt!));
    deadlineChanged = false;
    const woken = await condition(
      () => submitted || stopped() || resendRequested || deadlineChanged || state.status !== recordedStatus,
      Math.max(0, wakeAt - Date.now()),
    );
    if (submitted || stopped()) break;
    if (resendRequested) {
      await invite();
      resendRequested = false;
      continue;
    }
    if (woken) continue; // a new deadline or status: recompute
    if (Date.now() >= Date.parse(state.deadlineAt!)) {
      await local.sendCandidateEmail({
        journeyId: input.journeyId,
        purpose: 'expiry',
        n: 1,
        deadlineAt: state.deadlineAt!,
      });
      state.stopReason = 'the deadline passed before the candidate submitted';
      const ended = await end('expired');
      await notifyGreenhouse();
      return ended;
    }
    state.remindersSent++;
    await local.sendCandidateEmail({
      journeyId: input.journeyId,
      purpose: 'reminder',
      n: state.remindersSent,
      deadlineAt: state.deadlineAt!,
    });
  }
  if (!submitted) {
    const ended = await end('cancelled');
    return ended;
  }

  // Grade: keyed questions were graded on submission; free text waits for a person.
  if (needsGrader) {
    await record('awaiting_grading', 'a grader to grade the free-text answers');
    const requestedAt = Date.now();
    const reminderTimes = input.policy.graderReminderHours
      .map((h) => requestedAt + h * HOUR)
      .sort((a, b) => a - b);
    let n = 1;
    await local.requestGrading({
      journeyId: input.journeyId,
      n,
      dueBy: new Date(requestedAt + 24 * HOUR).toISOString(),
    });
    for (const at of reminderTimes) {
      if (await condition(() => graded, Math.max(0, at - Date.now()))) break;
      n++;
      await local.requestGrading({
        journeyId: input.journeyId,
        n,
        dueBy: new Date(at + 24 * HOUR).toISOString(),
      });
    }
    await condition(() => graded);
  }

  // Post result: read model first (test_status answers from it), then Greenhouse.
  const result = await local.finalizeResult({ journeyId: input.journeyId });
  state.scorePercent = result.scorePercent;
  state.passed = result.passed;
  await local.renderReport({ journeyId: input.journeyId });
  finished = true;
  await record('complete', null, { completedAt: new Date().toISOString() });
  const ids = { journeyId: input.journeyId };
  // Added after journeys were already running: histories recorded before it replay unchanged.
  if (patched('writeback-recovery')) {
    // A step that fails for good waits for an operator (retry after a fix, or skip).
    await writebackWithRecovery(input.journeyId).run([
      { step: 'sendCompletionPatch', run: notifyGreenhouse },
      { step: 'writeCustomFields', run: () => greenhouse.writeCustomFields(ids) },
      { step: 'addResultNote', run: () => greenhouse.addResultNote(ids) },
      { step: 'attachReport', run: () => greenhouse.attachReport(ids) },
      {
        step: 'moveStageOnResult',
        run: () => greenhouse.moveStageOnResult({ ...ids, passed: result.passed }),
      },
    ]);
  } else {
    await notifyGreenhouse();
    await greenhouse.writeCustomFields(ids);
    await greenhouse.addResultNote(ids);
    await greenhouse.attachReport(ids);
    if (patched('stage-move-on-result')) {
      await greenhouse.moveStageOnResult({ ...ids, passed: result.passed });
    }
  }
  await condition(allHandlersFinished);
  return state;

  /**
   * PATCH the completion URL so Greenhouse reads test_status now. A journey another trigger started
   * may have learnt a URL from a later send_test: the activity decides from the read model.
   */
  async function notifyGreenhouse() {
    if (input.trigger !== 'greenhouse' && !patched('completion-patch-any-trigger')) return;
    await greenhouse.sendCompletionPatch({ journeyId: input.journeyId });
  }
}
