import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { AssessmentActivities } from '../../activities/assessment/types.js';
import type { JourneyActivities } from '../../activities/journeys/types.js';
import type { ReferenceCheckActivities } from '../../activities/reference-check/types.js';
import type { JourneyStatus } from '../../domain/journey.js';
import { replaceableStatuses, type RefereeStatus } from '../../domain/reference-checks/types.js';
import { isSealed } from '../../domain/sealed.js';
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
import { greenhouseStopSignal } from '../shared/journey-messages.js';
import {
  cancelReferenceCheckUpdate,
  checkCompletedSignal,
  forceCompleteUpdate,
  nominateRefereesUpdate,
  refereeProgressSignal,
  referenceCheckStateQuery,
  stopRefereeSignal,
  type ReferenceCheckJourneyInput,
  type ReferenceCheckState,
  type RefereeRequestState,
} from './messages.js';
import { refereeRequest } from './referee-request.js';

const DAY = 86_400_000;

const local = proxyActivities<ReferenceCheckActivities & JourneyActivities>(localActivityOptions);
// Greenhouse writes are shared with assessments (same activities, same idempotency ledger).
const greenhouse = proxyActivities<AssessmentActivities>(greenhouseActivityOptions);

/** Referee statuses that still may turn into an answer. */
const pending = (s: RefereeStatus) => s === 'nominated' || s === 'requested' || s === 'opened';

/**
 * The reference-check journey: invite the candidate to name referees (reminders, deadline) → one
 * child workflow per referee → complete at the quorum, at the deadline with what has arrived
 * (partial), or when an operator force-completes → compile the PDF report → post the result and
 * attach the report in Greenhouse. The candidate may replace referees who decline, bounce or
 * expire. The workflow holds ids and counts; names, e-mails and answers stay in the database.
 */
export async function referenceCheckJourney(input: ReferenceCheckJourneyInput): Promise<ReferenceCheckState> {
  const { policy } = input;
  const state: ReferenceCheckState = {
    journeyId: input.journeyId,
    status: 'created',
    waitingFor: null,
    nominationDeadlineAt: null,
    deadlineAt: null,
    invitesSent: 0,
    remindersSent: 0,
    referees: [],
    answered: 0,
    quorum: policy.quorum,
    partial: null,
    meanRating: null,
    stopReason: null,
  };
  let version = 0;
  let applicationId = input.applicationId;
  let finished = false;
  let nominating = false;
  let forced: { reason: string; by: string } | null = null;
  let changed = false;
  let replaceRequests = 0;
  // From the moment the invitation went out: a quick candidate may answer before 'sent' is recorded.
  let invited = false;
  const children = new Map<string, ChildWorkflowHandle<typeof refereeRequest>>();

  const record = async (
    status: JourneyStatus,
    waitingFor: string | null,
    completedAt: string | null = null,
  ) => {
    state.status = status;
    state.waitingFor = waitingFor;
    upsertSearchAttributes([{ key: JourneyStatusKey, value: status }]);
    await local.recordJourneySnapshot({
      journeyId: input.journeyId,
      tenantId: input.tenantId,
      kind: 'reference_check',
      status,
      statusDetail: waitingFor ?? state.stopReason,
      stateVersion: ++version,
      testId: input.testId,
      deadlineAt: state.deadlineAt,
      completedAt,
      greenhouseApplicationId: applicationId,
      scorePercent: null,
    });
  };
  const stopped = () => state.stopReason !== null;
  const active = () => state.referees.filter((r) => !replaceableStatuses.has(r.status)).length;
  const canNominate = () => invited && !finished && !stopped() && !forced;
  const setRefereeStatus = (refereeId: string, status: RefereeStatus, late = false) => {
    const referee = state.referees.find((r) => r.refereeId === refereeId);
    // Final states never go back (a late progress signal after the child's result).
    if (!referee || (!pending(referee.status) && referee.status !== status)) return;
    if (referee.status === status && referee.late === late) return;
    referee.status = status;
    referee.late = late;
    if (!finished) state.answered = state.referees.filter((r) => r.status === 'answered' && !r.late).length;
    changed = true;
  };

  setHandler(referenceCheckStateQuery, () => state);
  setHandler(refereeProgressSignal, ({ refereeId, status }) => setRefereeStatus(refereeId, status));
  setHandler(greenhouseStopSignal, ({ event }) => {
    if (!finished) state.stopReason ??= `stopped by Greenhouse: ${event}`;
  });
  setHandler(
    nominateRefereesUpdate,
    async ({ nominations, client }) => {
      nominating = true;
      try {
        const stored = await local.storeNominations({
          journeyId: input.journeyId,
          firstPosition: state.referees.length + 1,
          nominations,
          client,
        });
        if (!stored.ok) return stored;
        for (const { refereeId, relationship } of stored.referees) {
          state.referees.push({ refereeId, relationship, status: 'nominated', late: false });
          const child = await startChild(refereeRequest, {
            workflowId: refereeId,
            args: [
              {
                journeyId: input.journeyId,
                tenantId: input.tenantId,
                refereeId,
                deadlineDays: policy.refereeDeadlineDays,
                reminders: policy.refereeReminders,
              },
            ],
            // A referee may still answer after the check completed: the answer is kept as late.
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          children.set(refereeId, child);
          void child.result().then(
            (result: RefereeRequestState) => setRefereeStatus(refereeId, result.status, result.late),
            () => setRefereeStatus(refereeId, 'cancelled'),
          );
        }
        changed = true;
        return { ok: true as const, refereeIds: stored.referees.map((r) => r.refereeId), state };
      } finally {
        nominating = false;
      }
    },
    {
      validator: ({ nominations }) => {
        if (nominating) throw new Error('another nomination is being saved; try again in a moment');
        if (!canNominate()) throw new Error(`referees can no longer be named: the check is ${state.status}`);
        if (!Array.isArray(nominations) && !isSealed(nominations))
          throw new Error('nominations must be a list');
      },
    },
  );
  setHandler(
    forceCompleteUpdate,
    ({ reason, by }) => {
      forced = { reason: reason.trim(), by: by.trim() };
      return state;
    },
    {
      validator: ({ reason, by }) => {
        if (finished || stopped() || forced)
          throw new Error(`the check can no longer be completed: it is ${state.status}`);
        if (typeof reason !== 'string' || !reason.trim()) throw new Error('reason is required');
        if (typeof by !== 'string' || !by.trim()) throw new Error('by is required');
      },
    },
  );
  setHandler(
    cancelReferenceCheckUpdate,
    ({ reason }) => {
      state.stopReason = `cancelled: ${reason}`;
      return state;
    },
    {
      validator: ({ reason }) => {
        if (finished || stopped() || forced)
          throw new Error(`the check can no longer be cancelled: it is ${state.status}`);
        if (typeof reason !== 'string' || !reason.trim()) throw new Error('reason is required');
      },
    },
  );

  upsertSearchAttributes([
    { key: TenantIdKey, value: input.tenantId },
    { key: JourneyKindKey, value: 'reference_check' },
    { key: TestIdKey, value: input.testId },
    ...(applicationId ? [{ key: GreenhouseApplicationIdKey, value: applicationId }] : []),
  ]);
  await record('created', 'preparing the invitation');

  const stopChildren = async (reason: string) => {
    for (const referee of state.referees) {
      if (!pending(referee.status)) continue;
      await children
        .get(referee.refereeId)
        ?.signal(stopRefereeSignal, { reason })
        .catch(() => undefined);
    }
  };
  const end = async (status: JourneyStatus) => {
    finished = true;
    await stopChildren(state.stopReason ?? status);
    await record(status, null);
    await condition(() => !nominating && allHandlersFinished());
    return state;
  };

  if (!applicationId) {
    const match = await awaitApplication({
      policy: policy.applicationMatch,
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

  // Invite the candidate to name referees.
  const invitedAt = Date.now();
  state.nominationDeadlineAt = new Date(invitedAt + policy.nominationDeadlineDays * DAY).toISOString();
  state.deadlineAt = new Date(invitedAt + policy.deadlineDays * DAY).toISOString();
  const deadline = Date.parse(state.deadlineAt);
  const nominationDeadline = Date.parse(state.nominationDeadlineAt);
  state.invitesSent = 1;
  invited = true;
  await local.sendNominationEmail({
    journeyId: input.journeyId,
    purpose: 'nomination_request',
    n: 1,
    deadlineAt: state.nominationDeadlineAt,
  });
  await record('sent', `the candidate to name referees (at least ${policy.minReferees})`);

  const reminders = reminderSchedule({
    invitedAt: new Date(invitedAt).toISOString(),
    deadlineAt: state.nominationDeadlineAt,
    policy: policy.candidateReminders,
  });
  while (state.referees.length === 0 && !stopped() && !forced) {
    const next = reminders.find((r) => Date.parse(r.at) > Date.now());
    const wakeAt = Math.min(next ? Date.parse(next.at) : Infinity, nominationDeadline);
    const woken = await condition(
      () => state.referees.length > 0 || stopped() || forced !== null,
      Math.max(0, wakeAt - Date.now()),
    );
    if (woken) break;
    if (Date.now() >= nominationDeadline) {
      await condition(() => !nominating);
      if (state.referees.length > 0) break;
      await local.sendNominationEmail({
        journeyId: input.journeyId,
        purpose: 'nomination_expiry',
        n: 1,
        deadlineAt: state.nominationDeadlineAt,
      });
      state.stopReason = 'the candidate named no referees before the deadline';
      const ended = await end('expired');
      await greenhouse.sendCompletionPatch({ journeyId: input.journeyId });
      return ended;
    }
    state.remindersSent++;
    await local.sendNominationEmail({
      journeyId: input.journeyId,
      purpose: 'nomination_reminder',
      n: state.remindersSent,
      deadlineAt: state.nominationDeadlineAt,
    });
  }

  // Referees answer; the candidate may replace those who will not.
  const waitingText = () => {
    const asked = state.referees.filter((r) => pending(r.status)).length;
    const missing = Math.max(0, policy.quorum - state.answered);
    const room = policy.maxReferees - active();
    return missing > 0 && asked < missing && room > 0
      ? `the candidate to name ${missing - asked} more referee(s): ${state.answered} of ${policy.quorum} answers so far`
      : `referees to answer: ${state.answered} of ${policy.quorum} needed (${asked} still asked)`;
  };
  const replaced = new Set<string>();
  let reason = 'quorum';
  while (!stopped()) {
    // Reset before looking: whatever changes while this pass awaits wakes the next one.
    changed = false;
    await condition(() => !nominating);
    if (state.answered >= policy.quorum) break;
    // Set by the update handler: control-flow analysis cannot see that.
    const force = forced as { reason: string; by: string } | null;
    if (force) {
      reason = `completed by ${force.by}: ${force.reason}`;
      break;
    }
    // Referees who will never answer: the candidate may name someone else while there is room.
    for (const referee of state.referees) {
      if (!replaceableStatuses.has(referee.status) || replaced.has(referee.refereeId)) continue;
      replaced.add(referee.refereeId);
      if (active() < policy.maxReferees && Date.now() < deadline) {
        await local.sendNominationEmail({
          journeyId: input.journeyId,
          purpose: 'replace_referee',
          n: ++replaceRequests,
          deadlineAt: state.deadlineAt,
          reason: referee.status as 'declined' | 'bounced' | 'expired',
        });
      }
    }
    await record('in_progress', waitingText());
    const woken = await condition(
      () => changed || stopped() || forced !== null,
      Math.max(0, deadline - Date.now()),
    );
    if (!woken && Date.now() >= deadline) {
      reason = 'deadline';
      break;
    }
  }
  if (stopped()) return end('cancelled');

  // Complete: at the quorum, at the deadline with what has arrived, or forced by an operator.
  finished = true;
  await condition(() => !nominating);
  const answeredIds = state.referees
    .filter((r) => r.status === 'answered' && !r.late)
    .map((r) => r.refereeId);
  if (answeredIds.length === 0 && reason === 'deadline') {
    state.stopReason = 'no referee answered before the deadline';
    const ended = await end('expired');
    await greenhouse.sendCompletionPatch({ journeyId: input.journeyId });
    return ended;
  }
  state.partial = answeredIds.length < policy.quorum;
  const compiled = await local.compileReferenceCheck({
    journeyId: input.journeyId,
    answeredRefereeIds: answeredIds,
    quorum: policy.quorum,
    partial: state.partial,
    reason,
  });
  state.meanRating = compiled.meanRating;
  // Referees still asked may answer until their own deadline; those answers are kept as late.
  for (const referee of state.referees) {
    if (pending(referee.status))
      await children
        .get(referee.refereeId)
        ?.signal(checkCompletedSignal)
        .catch(() => undefined);
  }
  await record(
    'complete',
    state.partial
      ? `partial: ${answeredIds.length} of ${policy.quorum} referees answered (${reason === 'deadline' ? 'deadline reached' : reason})`
      : null,
    new Date().toISOString(),
  );
  const ids = { journeyId: input.journeyId };
  if (patched('writeback-recovery')) {
    // A step that fails for good waits for an operator (retry after a fix, or skip).
    await writebackWithRecovery(input.journeyId).run([
      { step: 'sendCompletionPatch', run: () => greenhouse.sendCompletionPatch(ids) },
      { step: 'writeCustomFields', run: () => greenhouse.writeCustomFields(ids) },
      { step: 'addResultNote', run: () => greenhouse.addResultNote(ids) },
      { step: 'attachReport', run: () => greenhouse.attachReport(ids) },
    ]);
  } else {
    await greenhouse.sendCompletionPatch(ids);
    await greenhouse.writeCustomFields(ids);
    await greenhouse.addResultNote(ids);
    await greenhouse.attachReport(ids);
  }
  await condition(allHandlersFinished);
  return state;
}
