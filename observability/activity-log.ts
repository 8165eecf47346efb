import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from './logger.js';
import { scrubMessage } from './redact.js';

/** The ids an activity's first argument carries (every journey activity takes `{ journeyId, … }`). */
function idsOf(arg: unknown): { journeyId?: string; tenantId?: string } {
  if (typeof arg !== 'object' || arg === null) return {};
  const { journeyId, tenantId } = arg as { journeyId?: unknown; tenantId?: unknown };
  return {
    ...(typeof journeyId === 'string' ? { journeyId } : {}),
    ...(typeof tenantId === 'string' ? { tenantId } : {}),
  };
}

/**
 * One structured line per failed activity attempt: activity type, attempt, journey and tenant ids
 * (falling back to the workflow id, which is the journey id for journey workflows), the failure's
 * type, retryability and a scrubbed message. Never the arguments: they carry names and e-mails.
 */
export function logActivityFailures(log: Logger): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          const ids = idsOf(input.args[0]);
          const failure = err instanceof Error ? err : new Error(String(err));
          log
            .child({
              journeyId: ids.journeyId ?? ctx.info.workflowExecution?.workflowId ?? null,
              ...(ids.tenantId ? { tenantId: ids.tenantId } : {}),
              activity: ctx.info.activityType,
              attempt: ctx.info.attempt,
            })
            .warn(
              {
                failure: {
                  name: failure.name,
                  ...(failure instanceof ApplicationFailure
                    ? { type: failure.type ?? null, nonRetryable: failure.nonRetryable }
                    : {}),
                  message: scrubMessage(failure.message),
                },
              },
              'activity attempt failed',
            );
          throw err;
        }
      },
    },
  });
}
