import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { Config } from '../config/config.js';

/** A worker's place in a Temporal Worker Deployment: `<deploymentName>:<buildId>`. */
export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

/**
 * Worker deployment versioning (README "Deploying new workflow code"). Journeys are AUTO_UPGRADE:
 * they wait days or weeks for people (and a write-back can wait for an operator without end), so
 * pinning them would keep every old build running until its last journey ends and would keep bug
 * fixes from them. They move to the current version at their next workflow task instead; what
 * makes that safe is the gate before `set-current-version`: the new code replays every recorded
 * journey history (test/workflows/replay.test.ts, `npm run replay:histories`), with `patched()`
 * where the command sequence changes. What versioning adds: a new build receives no task until it
 * is made current, the switch is one atomic step, and switching back is the rollback.
 */
export function workerDeploymentOptions(version: WorkerVersion | undefined): {
  workerDeploymentOptions?: WorkerDeploymentOptions;
} {
  if (!version) return {};
  return {
    workerDeploymentOptions: {
      version,
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}

/** WORKER_DEPLOYMENT_NAME + WORKER_BUILD_ID (config/config.ts requires both or neither). */
export function workerVersionFrom(
  config: Pick<Config, 'WORKER_DEPLOYMENT_NAME' | 'WORKER_BUILD_ID'>,
): WorkerVersion | undefined {
  return config.WORKER_DEPLOYMENT_NAME && config.WORKER_BUILD_ID
    ? { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID }
    : undefined;
}
