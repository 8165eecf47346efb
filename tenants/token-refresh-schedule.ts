import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { TenantIdKey } from '../domain/search-attributes.js';
import type { RefreshTokensInput } from '../workflows/connections/refresh-greenhouse-tokens.js';

/** Six hours: four chances inside the refresh token's 24 hours. */
export const DEFAULT_TOKEN_REFRESH_MINUTES = 6 * 60;

/** One Schedule per authorization-code tenant, like `reconcile:<tenant>`. */
export const tokenRefreshScheduleId = (tenantId: string) => `greenhouse-tokens:${tenantId}`;

export interface TokenRefreshScheduleDeps {
  temporal: Client;
  taskQueue: string;
  intervalMinutes?: number;
}

function scheduleOptions(deps: TokenRefreshScheduleDeps, tenantId: string): ScheduleOptions {
  return {
    scheduleId: tokenRefreshScheduleId(tenantId),
    spec: { intervals: [{ every: `${deps.intervalMinutes ?? DEFAULT_TOKEN_REFRESH_MINUTES} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'refreshGreenhouseTokens',
      workflowId: tokenRefreshScheduleId(tenantId),
      taskQueue: deps.taskQueue,
      args: [{ tenantId } satisfies RefreshTokensInput],
      typedSearchAttributes: [{ key: TenantIdKey, value: tenantId }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
}

/**
 * Creates the tenant's refresh Schedule, or updates its interval; `remove` deletes it (the tenant
 * no longer connects with an authorization code).
 */
export async function ensureTokenRefreshSchedule(
  deps: TokenRefreshScheduleDeps,
  tenantId: string,
  want: boolean,
): Promise<void> {
  const handle = deps.temporal.schedule.getHandle(tokenRefreshScheduleId(tenantId));
  if (!want) {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const options = scheduleOptions(deps, tenantId);
  try {
    await handle.update((prev) => ({ ...prev, spec: options.spec, action: options.action }));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await deps.temporal.schedule.create(options);
  }
}
