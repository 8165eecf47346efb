import { proxyActivities } from '@temporalio/workflow';
import type {
  ConnectionActivities,
  RefreshTokensInput,
  RefreshTokensResult,
} from '../../activities/connections/types.js';
import { greenhouseActivityOptions } from '../shared/activity-options.js';

export type { RefreshTokensInput, RefreshTokensResult } from '../../activities/connections/types.js';

const { refreshTenantTokens } = proxyActivities<ConnectionActivities>({
  ...greenhouseActivityOptions,
  // A refresh that cannot get through in an hour is retried by the next scheduled run.
  scheduleToCloseTimeout: '1 hour',
});

/**
 * Rotates one authorization-code tenant's Greenhouse tokens. Run by the tenant's Schedule
 * `greenhouse-tokens:<tenantId>` well inside the refresh token's 24 hours.
 */
export async function refreshGreenhouseTokens(input: RefreshTokensInput): Promise<RefreshTokensResult> {
  return refreshTenantTokens(input);
}
