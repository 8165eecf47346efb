// The baseline's worker process: polls BASELINE_TASK_QUEUE on TEMPORAL_ADDRESS and runs the bare
// workflows (bench/baseline/noop-workflow.ts). Prints "ready" once polling, then "noops <n>" as
// no-op activities complete; SIGTERM drains it (the SDK's own signal handling).
// Worker options are the SDK's defaults, as the journey worker's are, except the cache size when
// BASELINE_MAX_CACHED_WORKFLOWS sets it (the idle benchmark gives the journey worker's).
// BASELINE_WORKFLOW_BUNDLE_PATH: a prebuilt bundle, so that webpack never runs in this process
// (the idle benchmark measures its memory).
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { NoopActivities } from './noop-workflow.js';

const address = process.env.TEMPORAL_ADDRESS;
const taskQueue = process.env.BASELINE_TASK_QUEUE;
if (!address || !taskQueue) {
  process.stderr.write('noop-worker needs TEMPORAL_ADDRESS and BASELINE_TASK_QUEUE\n');
  process.exit(2);
}

const quiet = () => undefined;
const prebuilt = process.env.BASELINE_WORKFLOW_BUNDLE_PATH;
const bundle = prebuilt
  ? { codePath: prebuilt }
  : await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)),
      // Our sources use `.js` specifiers for `.ts` files (workers/workflow-bundle.ts does the same).
      webpackConfigHook: (config) => {
        config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
        return config;
      },
      logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    });

let noops = 0;
let printed = 0;
const activities: NoopActivities = {
  noop: async () => {
    noops++;
  },
};
setInterval(() => {
  if (noops !== printed) process.stdout.write(`noops ${(printed = noops)}\n`);
}, 500).unref();
const cache = Number(process.env.BASELINE_MAX_CACHED_WORKFLOWS ?? '');
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue,
  workflowBundle: bundle,
  activities,
  ...(cache > 0
    ? { maxCachedWorkflows: cache, maxConcurrentWorkflowTaskExecutions: Math.min(40, cache) }
    : {}),
});
const running = worker.run();
process.stdout.write('ready\n');
try {
  await running;
} finally {
  await connection.close();
}
