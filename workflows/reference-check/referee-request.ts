import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { ReferenceCheckActivities } from '../reference-check/contract.js';
import type { ClientFingerprint, RefereeStatus } from '../../domain/reference-checks/types.js';
import { reminderSchedule } from '../../domain/tests/reminders.js';
import { localActivityOptions } from '../shared/activity-options.js';
import {
  checkCompletedSignal,
  declineReferenceUpdate,
  refereeOpenedSignal,
  refereeProgressSignal,
  refereeRequestStateQuery,
  stopRefereeSignal,
  submitReferenceUpdate,
  type RefereeRequestInput,
  type RefereeRequestState,
} from './contract.js';

const DAY = 86_400_000;

const local = proxyActivities<ReferenceCheckActivities>(localActivityOptions);

/**
 * One referee's request (a child of the reference-check journey, id `<journeyId>:referee-<n>`):
 * request e-mail → reminders → an answer, a decline, or the deadline. It outlives its parent
 * (ParentClosePolicy ABANDON): after the check completed it stops reminding but still accepts an
 * answer until its deadline, which is kept as late. Progress is signalled to the parent.
 */
export async function refereeRequest(input: RefereeRequestInput): Promise<RefereeRequestState> {
  const state: RefereeRequestState = {
    refereeId: input.refereeId,
    status: 'requested',
    deadlineAt: null,
    remindersSent: 0,
    late: false,
    checkCompleted: false,
  };
  let stopReason: string | null = null;
  let openedBy: ClientFingerprint | null = null;
  let saving = false;
  const open = () => (state.status === 'requested' || state.status === 'opened') && !stopReason && !saving;

  const tellParent = async (status: RefereeStatus) => {
    // The parent may have completed already (late answers): nothing to tell.
    await getExternalWorkflowHandle(input.journeyId)
      .signal(refereeProgressSignal, { refereeId: input.refereeId, status })
      .catch(() => undefined);
  };

  setHandler(refereeRequestStateQuery, () => state);
  setHandler(refereeOpenedSignal, ({ client }) => {
    if (state.status === 'requested') openedBy = client;
  });
  setHandler(checkCompletedSignal, () => {
    state.checkCompleted = true;
  });
  setHandler(stopRefereeSignal, ({ reason }) => {
    if (state.status === 'requested' || state.status === 'opened') stopReason ??= reason;
  });
  setHandler(
    submitReferenceUpdate,
    async ({ answers, client, openedAt }) => {
      saving = true;
      try {
        const stored = await local.storeRefereeAnswers({
          refereeId: input.refereeId,
          answers,
          client,
          openedAt,
          submittedAt: new Date().toISOString(),
        });
        state.late = stored.late;
        state.status = 'answered';
      } finally {
        saving = false;
      }
      return state;
    },
    { validator: (_request) => assertOpen('answer') },
  );
  setHandler(
    declineReferenceUpdate,
    async ({ reason }) => {
      saving = true;
      try {
        await local.recordRefereeStatus({
          refereeId: input.refereeId,
          status: 'declined',
          at: new Date().toISOString(),
          reason: typeof reason === 'string' && reason.trim() ? reason.trim().slice(0, 2000) : null,
        });
        state.status = 'declined';
      } finally {
        saving = false;
      }
      return state;
    },
    { validator: (_request) => assertOpen('decline') },
  );
  function assertOpen(what: string) {
    if (saving) throw new Error('your previous answer is still being saved');
    if (!open())
      throw new Error(`this request can no longer ${what}: it is ${stopReason ? 'closed' : state.status}`);
  }

  // Request.
  const requestedAt = Date.now();
  state.deadlineAt = new Date(requestedAt + input.deadlineDays * DAY).toISOString();
  const request = await local.sendRefereeEmail({
    refereeId: input.refereeId,
    purpose: 'request',
    n: 1,
    deadlineAt: state.deadlineAt,
  });
  if (request.bounced) {
    state.status = 'bounced';
    await local.recordRefereeStatus({
      refereeId: input.refereeId,
      status: 'bounced',
      at: new Date().toISOString(),
    });
    await tellParent('bounced');
    return state;
  }
  await local.recordRefereeStatus({
    refereeId: input.refereeId,
    status: 'requested',
    at: new Date(requestedAt).toISOString(),
    dueAt: state.deadlineAt,
  });
  await tellParent('requested');

  // Await the answer, with reminders (until the check completes) and the deadline.
  const deadline = Date.parse(state.deadlineAt);
  const reminders = reminderSchedule({
    invitedAt: new Date(requestedAt).toISOString(),
    deadlineAt: state.deadlineAt,
    policy: input.reminders,
  });
  let completedSeen = false;
  while (open() || saving) {
    const next = state.checkCompleted ? undefined : reminders.find((r) => Date.parse(r.at) > Date.now());
    const wakeAt = Math.min(next ? Date.parse(next.at) : Infinity, deadline);
    const woken = await condition(
      () => !open() || openedBy !== null || state.checkCompleted !== completedSeen,
      Math.max(0, wakeAt - Date.now()),
    );
    completedSeen = state.checkCompleted;
    if (saving) {
      await condition(() => !saving);
      continue;
    }
    if (!open()) break;
    if (openedBy) {
      openedBy = null;
      state.status = 'opened';
      await local.recordRefereeStatus({
        refereeId: input.refereeId,
        status: 'opened',
        at: new Date().toISOString(),
      });
      await tellParent('opened');
      continue;
    }
    if (woken) continue;
    if (Date.now() >= deadline) {
      state.status = 'expired';
      break;
    }
    state.remindersSent++;
    await local.sendRefereeEmail({
      refereeId: input.refereeId,
      purpose: 'reminder',
      n: state.remindersSent,
      deadlineAt: state.deadlineAt,
    });
  }
  if (stopReason && state.status !== 'answered' && state.status !== 'declined') state.status = 'cancelled';
  if (state.status === 'expired' || state.status === 'cancelled') {
    await local.recordRefereeStatus({
      refereeId: input.refereeId,
      status: state.status,
      at: new Date().toISOString(),
      reason: stopReason,
    });
  }
  await tellParent(state.status);
  await condition(allHandlersFinished);
  return state;
}
