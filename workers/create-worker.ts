import type { DataConverter } from '@temporalio/common';
import {
  Worker,
  type ActivityInterceptorsFactory,
  type NativeConnection,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { Database } from '../db/client.js';
import { heartbeatWhileRunning } from './heartbeat-interceptor.js';
import { timelineInterceptor } from './timeline-interceptor.js';
import { logActivityFailures } from '../observability/activity-log.js';
import type { Logger } from '../observability/logger.js';
import type { WorkerMetrics } from '../observability/metrics.js';
import { workerDeploymentOptions, type WorkerVersion } from './versioning.js';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** temporal/data-converter.ts: encrypts every payload, as every client of greenroom does. */
  dataConverter: DataConverter;
  activities: Activities;
  /** A prebuilt bundle (production, tests) — bundling per worker costs seconds. */
  workflowBundle: WorkflowBundleOption;
  shutdownGraceTime?: string | number;
  /** Journeys kept in memory between steps (config WORKER_MAX_CACHED_WORKFLOWS); SDK default when unset. */
  maxCachedWorkflows?: number;
  identity?: string;
  /** Counts journeys and write-back outcomes (observability/metrics.ts). */
  metrics?: Pick<WorkerMetrics, 'activityInterceptor'>;
  /** Logs one line per failed activity attempt, with journey and tenant ids. */
  log?: Logger;
  /** Where journeys' timelines are written (journey_events); without it, no timeline. */
  timelineDb?: Database;
  /** Worker deployment version (WORKER_DEPLOYMENT_NAME, WORKER_BUILD_ID); unversioned when unset. */
  version?: WorkerVersion;
}

/** The journey worker as production and tests run it: same workflows, same activities. */
export function createJourneyWorker(options: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    workflowBundle: options.workflowBundle,
    activities: options.activities,
    interceptors: { activity: [heartbeatWhileRunning, ...observability(options)] },
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    ...(options.maxCachedWorkflows !== undefined ? cacheOptions(options.maxCachedWorkflows) : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...workerDeploymentOptions(options.version),
  });
}

/**
 * The cache size, and as many workflow tasks at once as it allows: the SDK's default (40) must not
 * exceed the cache, and a cache needs at least 2.
 */
function cacheOptions(maxCachedWorkflows: number) {
  if (maxCachedWorkflows === 0) return { maxCachedWorkflows };
  const cache = Math.max(2, maxCachedWorkflows);
  return { maxCachedWorkflows: cache, maxConcurrentWorkflowTaskExecutions: Math.min(40, cache) };
}

/** Metrics, failure logs and the journey timeline, when the caller gave them. */
function observability(options: JourneyWorkerOptions): ActivityInterceptorsFactory[] {
  return [
    ...(options.metrics ? [options.metrics.activityInterceptor] : []),
    ...(options.log ? [logActivityFailures(options.log)] : []),
    ...(options.timelineDb ? [timelineInterceptor(options.timelineDb)] : []),
  ];
}
