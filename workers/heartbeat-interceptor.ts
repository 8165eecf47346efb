import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** How often every running activity tells Temporal it is alive. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * Heartbeats every activity while it runs, so that workflows can set a short heartbeatTimeout:
 * when a worker dies, Temporal retries its activities elsewhere within seconds instead of waiting
 * out the whole startToCloseTimeout (minutes for Greenhouse calls that may wait on Retry-After).
 */
export const heartbeatWhileRunning: ActivityInterceptorsFactory = (ctx: Context) => ({
  inbound: {
    async execute(input, next) {
      // Local activities have no heartbeat: the workflow task that runs them keeps them alive.
      if (ctx.info.isLocal) return next(input);
      // No heartbeat at the start: Temporal's heartbeat timeout already counts from the start, so an
      // activity done within the interval (most are) costs no heartbeat call at all (issue 17).
      const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_INTERVAL_MS);
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});
