import { randomBytes } from 'node:crypto';
import { Connection, Client } from '@temporalio/client';
import { stopProcess } from '../../harness/product-stack.js';
import { procStats, cpuShare, type ProcStats } from '../../harness/proc-stats.js';
import { spawnEntry, waitFor } from '../../harness/processes.js';

/**
 * The baseline of the bulk-invite benchmark, on the same Temporal server: `workflows` bare
 * workflows (one no-op activity each) run by their own worker process. One client starts them,
 * `startConcurrency` start calls in flight at a time (as the bulk invite's activity starts journeys
 * a few at a time), and the time runs from the first start call to the last workflow completed.
 */
export interface BaselineOptions {
  temporalAddress: string;
  workflows: number;
  /** No-op activities per workflow, one after the other (default 1). */
  activities?: number;
  /** Start calls in flight at once (default 16). */
  startConcurrency?: number;
  /** The Temporal server's pid, when it is ours: its CPU is measured too. */
  temporalPid?: number | undefined;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface BaselineResult {
  workflows: number;
  seconds: number;
  workflowsPerSecond: number;
  /** Cores the baseline worker used during the run. */
  workerCores: number;
  /** Cores the Temporal server used during the run (undefined when it is not ours). */
  serverCores: number | undefined;
  /** CPU seconds the baseline worker and the server used during the run. */
  workerCpuSeconds: number;
  serverCpuSeconds: number | undefined;
  /** The baseline worker's resident memory at the end of the run. */
  workerRssBytes: number;
}

export async function runBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const log = options.log ?? (() => undefined);
  const taskQueue = `baseline-${randomBytes(4).toString('hex')}`;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const worker = spawnEntry('bench/baseline/noop-worker.ts', {
    TEMPORAL_ADDRESS: options.temporalAddress,
    BASELINE_TASK_QUEUE: taskQueue,
  });
  const connection = await Connection.connect({ address: options.temporalAddress });
  try {
    await waitFor(
      'the baseline worker to be ready',
      async () => {
        if (worker.child.exitCode !== null)
          throw new Error(`baseline worker exited early:\n${worker.output()}`);
        return /^ready$/m.test(worker.output());
      },
      120_000,
    );
    const client = new Client({ connection });
    const pid = worker.child.pid!;
    const ids = Array.from({ length: options.workflows }, (_, i) => `${taskQueue}-${i}`);
    const before = await readings(pid, options.temporalPid);
    const startedAt = Date.now();
    const deadline = startedAt + timeoutMs;

    const handles = new Array<Awaited<ReturnType<typeof client.workflow.start>>>(ids.length);
    await lanes(ids.length, options.startConcurrency ?? 16, async (k) => {
      if (Date.now() > deadline) throw new Error(`baseline: starts not done after ${timeoutMs} ms`);
      handles[k] = await client.workflow.start('noopWorkflow', {
        workflowId: ids[k]!,
        taskQueue,
        args: [options.activities ?? 1],
      });
    });
    log(`baseline: ${ids.length} workflows started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    // Every result awaited (long polls, 100 at once): the last one completed stops the clock.
    await withTimeout(
      lanes(ids.length, 100, async (k) => {
        await handles[k]!.result();
      }),
      Math.max(1, deadline - Date.now()),
      `baseline: ${ids.length} workflows not completed after ${timeoutMs} ms`,
    );
    const seconds = (Date.now() - startedAt) / 1000;
    const after = await readings(pid, options.temporalPid);
    return {
      workflows: ids.length,
      seconds,
      workflowsPerSecond: ids.length / seconds,
      workerCores: cpuShare(before.worker, after.worker, seconds),
      serverCores: before.server && after.server ? cpuShare(before.server, after.server, seconds) : undefined,
      workerCpuSeconds: after.worker.cpuSeconds - before.worker.cpuSeconds,
      workerRssBytes: after.worker.rssBytes,
      serverCpuSeconds:
        before.server && after.server ? after.server.cpuSeconds - before.server.cpuSeconds : undefined,
    };
  } finally {
    await connection.close().catch(() => undefined);
    await stopProcess(worker);
  }
}

async function readings(workerPid: number, serverPid: number | undefined) {
  const [worker, server] = await Promise.all([
    procStats(workerPid),
    serverPid ? procStats(serverPid) : Promise.resolve(undefined as ProcStats | undefined),
  ]);
  return { worker, server };
}

/** Runs `fn(0 … n-1)` with at most `width` calls at once. */
export async function lanes(n: number, width: number, fn: (k: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
