import { journeysOf } from '../db/repositories/journeys.js';
import { randomUUID } from 'node:crypto';
import {
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { ensureSchedule } from '../temporal/ensure-schedule.js';
import { ApplicationFailure } from '@temporalio/common';
import protos from '@temporalio/proto';
import type { Database, Prisma } from '../db/client.js';
import { writebackSteps } from '../workflows/shared/protocol.js';
import type { JourneyFailureActivities } from '../workflows/shared/journey.js';
import type { FailedSweepActivities, FailedSweepInput } from '../workflows/failed-sweep/failed-sweep.js';

/**
 * Journeys whose workflow failed, was terminated or timed out. The workflow records its own failure
 * (Journey.run); what cannot record itself (a termination, a timeout) is found by the sweep
 * (workflows/failed-sweep/). Operators list them and retry one from a step that is safe to run again.
 */

/** Statuses Greenhouse already acted on: a failure after them keeps them (test_status stays right). */
const KEPT_STATUSES = ['complete', 'expired', 'cancelled', 'failed'];

/** The termination reason of an erasure (journeys/erase-candidate.ts): not a failure. */
const ERASURE = /personal data was erased/;

/**
 * Steps a retry may start from: each is idempotent (keyed in harvest_effects, a PATCH Greenhouse
 * reads again, a read, or a result computed from what is stored), so running it again duplicates
 * nothing. Steps that send e-mail or wait for a person are not offered: a reset to them could lose
 * what a person sent since.
 */
export const RETRYABLE_STEPS = [
  'findApplication',
  'finalizeResult',
  'renderReport',
  'compileReferenceCheck',
  ...writebackSteps,
] as const;
export type RetryableStep = (typeof RETRYABLE_STEPS)[number];

export class RetryRefused extends Error {}

/**
 * Marks the read model: status `failed` (unless the journey had already ended for Greenhouse, whose
 * status then stays), the reason, and the status it had. Once per failure; erased journeys are left
 * alone. Answers whether it changed the row.
 */
export async function markJourneyFailed(db: Database, journeyId: string, reason: string): Promise<boolean> {
  const changed = await db.$executeRaw`
    UPDATE journeys SET
      failed_at = now(),
      failure_reason = ${reason},
      status_before_failure = status,
      status = CASE WHEN status = ANY(${KEPT_STATUSES}) THEN status ELSE 'failed' END,
      status_detail = CASE WHEN status = ANY(${KEPT_STATUSES}) THEN status_detail ELSE ${`failed: ${reason}`} END,
      updated_at = now()
    WHERE id = ${journeyId} AND failed_at IS NULL AND erased_at IS NULL`;
  return changed > 0;
}

/** The activity a failing journey calls from its skeleton (workflows/shared/journey.ts). */
export function createFailedJourneyActivities(deps: { db: Database }): JourneyFailureActivities {
  return {
    async recordJourneyFailed({ journeyId, reason }) {
      await markJourneyFailed(deps.db, journeyId, reason);
    },
  };
}

export const failedJourneyFields = {
  id: true,
  tenantId: true,
  kind: true,
  status: true,
  statusDetail: true,
  statusBeforeFailure: true,
  failedAt: true,
  failureReason: true,
  testId: true,
  greenhouseApplicationId: true,
  createdAt: true,
} as const satisfies Prisma.JourneySelect;

/** Failed journeys, most recent failure first, cursor-paged by (failedAt, id). */
export async function listFailedJourneys(
  db: Database,
  filter: { tenantId?: string | undefined; after?: { failedAt: Date; id: string } | null; limit: number },
) {
  const { after } = filter;
  return journeysOf({ db }).findMany({
    where: {
      failedAt: { not: null },
      ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
      ...(after
        ? { OR: [{ failedAt: { lt: after.failedAt } }, { failedAt: after.failedAt, id: { lt: after.id } }] }
        : {}),
    },
    select: failedJourneyFields,
    orderBy: [{ failedAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
}

const CLOSED_BADLY = ['FAILED', 'TERMINATED', 'TIMED_OUT'];

/** Why a closed execution ended, from its last event. */
async function closeReason(temporal: Client, workflowId: string, runId: string): Promise<string> {
  const { history } = await temporal.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: temporal.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const last = history?.events?.[0];
  if (last?.workflowExecutionTerminatedEventAttributes)
    return `terminated: ${last.workflowExecutionTerminatedEventAttributes.reason || 'no reason given'}`;
  if (last?.workflowExecutionTimedOutEventAttributes) return 'timed out (the workflow run timeout passed)';
  const failure = last?.workflowExecutionFailedEventAttributes?.failure;
  return `failed: ${failure?.cause?.message ?? failure?.message ?? 'unknown failure'}`;
}

/**
 * The sweep: lists executions that closed badly since `since` (Temporal visibility) and marks the
 * journeys the workflow could not mark itself. Only the latest run of an id counts (an operator's
 * retry starts a new one). Answers how many it looked at and marked.
 */
export async function sweepFailedJourneys(
  deps: { db: Database; temporal: Client },
  since: Date,
  limit = 500,
): Promise<{ seen: number; marked: number }> {
  const query =
    `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut')` +
    ` AND CloseTime > '${since.toISOString()}'`;
  const closed = new Map<string, string>();
  for await (const execution of deps.temporal.workflow.list({ query })) {
    closed.set(execution.workflowId, execution.runId);
    if (closed.size >= limit) break;
  }
  const unmarked = await journeysOf(deps).findMany({
    where: { id: { in: [...closed.keys()] }, failedAt: null, erasedAt: null },
    select: { id: true },
  });
  let marked = 0;
  for (const { id } of unmarked) {
    const latest = await deps.temporal.workflow.getHandle(id).describe();
    if (!CLOSED_BADLY.includes(latest.status.name)) continue; // retried since: a newer run lives
    const reason = (await closeReason(deps.temporal, id, latest.runId)).slice(0, 500);
    if (ERASURE.test(reason)) continue;
    if (await markJourneyFailed(deps.db, id, reason)) marked++;
  }
  return { seen: closed.size, marked };
}

// CommonJS package: default import, then destructure (named ESM imports fail under plain Node).
const { temporal: proto } = protos;
type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;

/** Inputs from people (signals, updates) recorded after this event: a reset would drop them. */
const peopleAfter = (events: HistoryEvent[], eventId: number) =>
  events.filter(
    (e) =>
      Number(e.eventId) > eventId &&
      (e.workflowExecutionSignaledEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes),
  );

/**
 * Retries a failed journey from `step`: resets its workflow (same id, a new run) to the task that
 * scheduled the step's last attempt, so the step and everything after it run again on the current
 * code, with everything before it as recorded. Refused (RetryRefused, with why) when the journey has
 * not failed, was erased, its workflow did not close badly, the step is not one of RETRYABLE_STEPS,
 * the journey never reached it, or a person's input arrived after it.
 */
export async function retryFailedJourney(
  deps: { db: Database; temporal: Client },
  journeyId: string,
  step: string,
): Promise<{ runId: string; step: RetryableStep; status: string }> {
  if (!(RETRYABLE_STEPS as readonly string[]).includes(step))
    throw new RetryRefused(
      `${step} is not a step a retry may start from (safe: ${RETRYABLE_STEPS.join(', ')}); its effects could repeat or a person's input be lost`,
    );
  const journey = await journeysOf(deps).findUniqueOrThrow({
    where: { id: journeyId },
    select: {
      failedAt: true,
      erasedAt: true,
      status: true,
      statusDetail: true,
      failureReason: true,
      statusBeforeFailure: true,
    },
  });
  if (journey.erasedAt) throw new RetryRefused(`journey ${journeyId} was erased: it cannot run again`);
  if (!journey.failedAt)
    throw new RetryRefused(`journey ${journeyId} has not failed (it is ${journey.status})`);
  const handle = deps.temporal.workflow.getHandle(journeyId);
  let described;
  try {
    described = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new RetryRefused(`journey ${journeyId}'s workflow is gone from Temporal (retention passed)`);
    throw err;
  }
  if (!CLOSED_BADLY.includes(described.status.name))
    throw new RetryRefused(
      `journey ${journeyId}'s workflow is ${described.status.name.toLowerCase()}, not failed`,
    );
  const events =
    (await deps.temporal.workflow.getHandle(journeyId, described.runId).fetchHistory()).events ?? [];
  const scheduled = events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === step)
    .pop();
  if (!scheduled) throw new RetryRefused(`journey ${journeyId} never reached ${step}`);
  const lost = peopleAfter(events, Number(scheduled.eventId));
  if (lost.length > 0)
    throw new RetryRefused(
      `${lost.length} signal(s) or update(s) arrived after ${step}; a retry from there would lose them: retry from a later step`,
    );
  // The read model first: the new run's first snapshot must not be overwritten by this.
  const status = journey.statusBeforeFailure ?? journey.status;
  const reopened = await journeysOf(deps).reopenFailed(journeyId, status, `retrying from ${step}`);
  if (reopened.count === 0) throw new RetryRefused(`journey ${journeyId} is being retried already`);
  let reset;
  try {
    reset = await deps.temporal.workflowService.resetWorkflowExecution({
      namespace: deps.temporal.options.namespace,
      workflowExecution: { workflowId: journeyId, runId: described.runId },
      workflowTaskFinishEventId:
        scheduled.activityTaskScheduledEventAttributes!.workflowTaskCompletedEventId!,
      reason: `operator retry from ${step}`,
      requestId: randomUUID(),
      resetReapplyType: proto.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
    });
  } catch (err) {
    // Nothing runs again: the journey is as failed as before.
    await journeysOf(deps).restoreFailure(journeyId, {
      status: journey.status,
      statusDetail: journey.statusDetail,
      failedAt: journey.failedAt,
      failureReason: journey.failureReason,
      statusBeforeFailure: journey.statusBeforeFailure,
    });
    throw err;
  }
  return { runId: reset.runId ?? '', step: step as RetryableStep, status };
}

/** The sweep's activity, for the worker (needs a Temporal client to read visibility). */
export function createFailedSweepActivities(deps: {
  db: Database;
  temporal?: Client;
}): FailedSweepActivities {
  return {
    async sweepFailedJourneys({ lookbackMinutes }) {
      if (!deps.temporal)
        throw ApplicationFailure.nonRetryable('the worker has no Temporal client for the sweep');
      return sweepFailedJourneys(
        { db: deps.db, temporal: deps.temporal },
        new Date(Date.now() - lookbackMinutes * 60_000),
      );
    },
  };
}

/** One per task queue: deployments (and test stacks) sharing a Temporal namespace keep their own. */
export const failedSweepScheduleId = (taskQueue: string) => `failed-journeys-sweep:${taskQueue}`;

/** Every few minutes, looking back a day: a worker down for hours misses nothing. */
export async function ensureFailedSweepSchedule(
  deps: { temporal: Client; taskQueue: string },
  every = '5 minutes',
  lookbackMinutes = 24 * 60,
): Promise<void> {
  const scheduleId = failedSweepScheduleId(deps.taskQueue);
  const options: ScheduleOptions = {
    scheduleId,
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'failedJourneySweep',
      workflowId: scheduleId,
      taskQueue: deps.taskQueue,
      args: [{ lookbackMinutes } satisfies FailedSweepInput],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
  await ensureSchedule(deps.temporal, options);
}
