import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { localActivityOptions } from '../shared/activity-options.js';

export interface RotateLaunchKeysInput {
  /** How long the next key is published before it signs (vendors' JWKS caches refresh meanwhile). */
  leadMs: number;
}

export interface LaunchKeyActivities {
  /** Publishes the next launch-assertion key (security/launch-assertions.ts); idempotent per rotationId. */
  rotateLaunchKey(input: {
    leadMs: number;
    rotationId: string;
  }): Promise<{ kid: string; activeFrom: string }>;
}

const { rotateLaunchKey } = proxyActivities<LaunchKeyActivities>(localActivityOptions);

/**
 * Run by the Schedule `launch-key-rotation`: one rotation per run. The run's id names the rotation,
 * so a retried activity answers the key its first attempt made.
 */
export async function rotateLaunchKeys(
  input: RotateLaunchKeysInput,
): Promise<{ kid: string; activeFrom: string }> {
  const { workflowId, runId } = workflowInfo();
  return rotateLaunchKey({ leadMs: input.leadMs, rotationId: `${workflowId}/${runId}` });
}
