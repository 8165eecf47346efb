import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import { heartbeatWhileRunning } from './heartbeat-interceptor.js';

export interface JourneyWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (production, tests) — bundling per worker costs seconds. */
  workflowBundle: WorkflowBundleOption;
  shutdownGraceTime?: string | number;
  identity?: string;
}

/** The journey worker as production and tests run it: same workflows, same activities. */
export function createJourneyWorker(options: JourneyWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: options.activities,
    interceptors: { activity: [heartbeatWhileRunning] },
    shutdownGraceTime: options.shutdownGraceTime ?? '30 seconds',
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
