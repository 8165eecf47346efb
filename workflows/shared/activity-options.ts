import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * How journeys call activities. Every activity heartbeats while it runs
 * (workers/heartbeat-interceptor.ts): a dead worker's activities are retried elsewhere after
 * heartbeatTimeout, not after startToCloseTimeout.
 */

/** Database and mail: short, retried with backoff until they work. */
export const localActivityOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};

/**
 * Greenhouse: Harvest errors that cannot heal are non-retryable failures; 429 and 5xx retry, with
 * the Harvest client itself honouring Retry-After inside each attempt.
 */
export const greenhouseActivityOptions: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
};

/**
 * Read-model writes run in the worker that runs the workflow (local activities): one short,
 * idempotent UPDATE needs no activity task nor a workflow task of its own. Retried as the others.
 */
export const readModelLocalActivityOptions: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};

/**
 * The local first attempt of a step that is otherwise an activity (workflows/shared/local-first.ts):
 * one attempt, as long as one attempt of the activity may take; any failure goes to the activity.
 */
export function firstAttemptLocally(startToCloseTimeout: ActivityOptions['startToCloseTimeout']) {
  return { startToCloseTimeout, retry: { maximumAttempts: 1 } } satisfies LocalActivityOptions;
}

/**
 * The steps between a candidate's submission and Greenhouse hearing of the result (storing the
 * answers, the result, its report, the completion PATCH): task priority 1, ahead of the default 3,
 * so the backlog of older journeys' write-back steps cannot delay them. The server orders a task
 * queue's backlog by priority with matching.useNewMatcher (temporal/dynamic-config.ts); the
 * command sequence is unchanged, so recorded histories replay.
 */
export function urgent<T extends ActivityOptions>(options: T): T {
  return { ...options, priority: { priorityKey: 1 } };
}
