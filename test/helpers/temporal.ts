import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { createJourneyWorker } from '../../workers/create-worker.js';

let runtimeInstalled = false;

/** A unique task queue per test: workers of parallel test files never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export async function connectTestClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection });
}

export interface RunningTestWorker {
  worker: Worker;
  taskQueue: string;
  /** Drains the worker and waits until it stopped. */
  stop(): Promise<void>;
}

/** Starts the real journey worker (shared prebuilt bundle) on its own task queue. */
export async function startTestWorker(options: {
  activities: Activities;
  taskQueue?: string;
}): Promise<RunningTestWorker> {
  if (!runtimeInstalled) {
    // Quiet the SDK's per-worker INFO lines; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    runtimeInstalled = true;
  }
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createJourneyWorker({
    connection,
    namespace: 'default',
    taskQueue,
    activities: options.activities,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '2 seconds',
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    taskQueue,
    stop() {
      // Idempotent: a test may stop a worker early and the teardown stop it again.
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      })();
      return stopped;
    },
  };
}
