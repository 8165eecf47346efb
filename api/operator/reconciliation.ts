import { Router } from 'express';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { TenantIdKey } from '../../domain/search-attributes.js';
import { retryStepUpdate } from '../../workflows/shared/protocol.js';
import type {
  ReconcileTenantInput,
  ReconciliationTotals,
} from '../../workflows/reconciliation/reconcile-tenant.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { assertTenantAccess, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';
import { err, invalidInput, loose, operatorAuth, TenantParams } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { tenantExists } from '../../tenants/tenants-repository.js';

/** Every six hours unless the operator says otherwise. */
export const DEFAULT_RECONCILE_INTERVAL_MINUTES = 6 * 60;
export const DEFAULT_RECONCILE_LOOKBACK_DAYS = 7;
/** How many journeys are re-driven at the same time. */
const REDRIVE_CONCURRENCY = 10;

/** The tenant's reconciliation Schedule in Temporal: one per tenant, created or updated by PUT. */
export const reconcileScheduleId = (tenantId: string) => `reconcile:${tenantId}`;

const intervalMinutes = z
  .number()
  .int()
  .min(5)
  .max(7 * 24 * 60);
const lookbackDays = z.number().int().min(1).max(365);
export const ScheduleBody = z.strictObject({
  intervalMinutes: intervalMinutes.default(DEFAULT_RECONCILE_INTERVAL_MINUTES),
  lookbackDays: lookbackDays.default(DEFAULT_RECONCILE_LOOKBACK_DAYS),
});
export const ReconcileNowBody = z.strictObject({ lookbackDays: lookbackDays.optional() });

export interface ReconciliationRouteDeps {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  taskQueue: string;
}

/** What GET shows of a tenant's reconciliation Schedule. */
export interface ReconciliationScheduleView {
  scheduleId: string;
  intervalMinutes: number | null;
  lookbackDays: number | null;
  paused: boolean;
  nextRuns: string[];
  recentRuns: { workflowId: string; scheduledAt: string; startedAt: string }[];
  runningWorkflowIds: string[];
  createdAt: string;
  updatedAt: string | null;
}

const getTenantsTenantIdReconciliationRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/reconciliation',
  tag: 'operator: reconciliation',
  summary: 'The tenant’s reconciliation schedule',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: {
      description: 'The schedule, its next and recent runs.',
      schema: z.object({
        scheduleId: z.string(),
        intervalMinutes: z.number().int().nullable(),
        lookbackDays: z.number().int().nullable(),
        paused: z.boolean(),
        nextRuns: z.array(z.string()),
        recentRuns: z.array(
          z.object({ workflowId: z.string(), scheduledAt: z.string(), startedAt: z.string() }),
        ),
        runningWorkflowIds: z.array(z.string()),
        createdAt: z.string(),
        updatedAt: z.string().nullable(),
      }),
    },
    ...operatorAuth,
    404: err('No such tenant or no schedule.'),
  },
};
const putTenantsTenantIdReconciliationRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/reconciliation',
  tag: 'operator: reconciliation',
  summary: 'Set up or change the reconciliation schedule',
  security: 'operator',
  params: TenantParams,
  body: {
    schema: ScheduleBody,
    required: false,
  },
  responses: {
    201: { description: 'Created.', schema: loose('The schedule (as GET shows it).') },
    200: { description: 'Changed.', schema: loose('The schedule (as GET shows it).') },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such tenant.'),
  },
};
const postTenantsTenantIdReconcileRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/reconcile',
  tag: 'operator: reconciliation',
  summary: 'Reconcile now',
  security: 'operator',
  params: TenantParams,
  body: { schema: ReconcileNowBody, required: false },
  responses: {
    200: { description: 'Started.', schema: loose('The run started.') },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such tenant.'),
  },
};
const postTenantsTenantIdRedriveWritebacksRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/redrive-writebacks',
  tag: 'operator: reconciliation',
  summary: 'Retry every failed write-back of the tenant',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: { description: 'The journeys told to retry.', schema: loose('Counts and journey ids.') },
    ...operatorAuth,
    404: err('No such tenant.'),
  },
};

/**
 * Operators' repair tools for Greenhouse write-back:
 * - reconciliation (README "Reconciliation"): a per-tenant Temporal Schedule runs `reconcileTenant`,
 *   which re-attaches reports and rewrites custom fields that went missing in Greenhouse; operators
 *   set it up (admin) and run it now (support);
 * - re-drive: every journey of a tenant waiting with a failed write-back step (e.g. the customer has
 *   since fixed a Harvest permission) is told to retry it (support).
 */
export function reconciliationRoutes(deps: ReconciliationRouteDeps): Router {
  const { db, temporal, taskQueue } = deps;
  const router = Router();
  const tenantIdOf = (params: Record<string, string | string[] | undefined>) => String(params.tenantId);

  const loadTenant = async (tenantId: string) => {
    const tenant = await tenantExists(db, tenantId);
    if (!tenant) throw new HttpError(404, 'not_found', `no tenant ${tenantId}`);
    return tenant;
  };

  const scheduleOptions = (
    tenantId: string,
    settings: { intervalMinutes: number; lookbackDays: number },
  ): ScheduleOptions => ({
    scheduleId: reconcileScheduleId(tenantId),
    spec: { intervals: [{ every: `${settings.intervalMinutes} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reconcileTenant',
      // The Schedule appends the scheduled time to this id.
      workflowId: reconcileScheduleId(tenantId),
      taskQueue,
      args: [{ tenantId, lookbackDays: settings.lookbackDays } satisfies ReconcileTenantInput],
      typedSearchAttributes: [{ key: TenantIdKey, value: tenantId }],
    },
    policies: {
      // A run still going when the next is due: the next is skipped, not stacked up.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '1 hour',
    },
  });

  const describeSchedule = async (tenantId: string): Promise<ReconciliationScheduleView | null> => {
    try {
      const described = await temporal.schedule.getHandle(reconcileScheduleId(tenantId)).describe();
      const every = described.spec.intervals?.[0]?.every;
      const input = described.action.args?.[0] as Partial<ReconcileTenantInput> | undefined;
      return {
        scheduleId: described.scheduleId,
        intervalMinutes: every === undefined ? null : Math.round(every / 60_000),
        lookbackDays: typeof input?.lookbackDays === 'number' ? input.lookbackDays : null,
        paused: described.state.paused,
        nextRuns: described.info.nextActionTimes.map((t) => t.toISOString()),
        recentRuns: described.info.recentActions.map((a) => ({
          workflowId: a.action.workflow.workflowId,
          scheduledAt: a.scheduledAt.toISOString(),
          startedAt: a.takenAt.toISOString(),
        })),
        runningWorkflowIds: described.info.runningActions.map((a) => a.workflow.workflowId),
        createdAt: described.info.createdAt.toISOString(),
        updatedAt: described.info.lastUpdatedAt?.toISOString() ?? null,
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    }
  };

  route(
    router,
    getTenantsTenantIdReconciliationRoute,
    handle(async (req, res) => {
      const tenantId = tenantIdOf(req.params);
      assertTenantAccess(operatorOf(res), tenantId);
      await loadTenant(tenantId);
      const schedule = await describeSchedule(tenantId);
      if (!schedule)
        throw new HttpError(
          404,
          'not_found',
          `tenant ${tenantId} has no reconciliation schedule (PUT /operator/tenants/${tenantId}/reconciliation)`,
        );
      res.json(schedule);
    }),
  );

  route(
    router,
    putTenantsTenantIdReconciliationRoute,
    handle(async (req, res) => {
      const tenantId = tenantIdOf(req.params);
      const body = parseInput(ScheduleBody, req.body ?? {});
      const result = await operatorAction(
        db,
        res,
        { action: 'reconciliation.schedule', tenantId, role: 'admin', detail: { ...body } },
        async () => {
          await loadTenant(tenantId);
          const options = scheduleOptions(tenantId, body);
          let created = true;
          try {
            await temporal.schedule.create(options);
          } catch (err) {
            if (!(err instanceof ScheduleAlreadyRunning)) throw err;
            created = false;
            const { scheduleId: _id, ...update } = options;
            // A new interval or lookback; a pause an operator set in the Temporal UI stays.
            await temporal.schedule
              .getHandle(options.scheduleId)
              .update((previous) => ({ ...update, state: previous.state }));
          }
          return { created, schedule: (await describeSchedule(tenantId))! };
        },
        ({ created }) => ({ created }),
      );
      res.status(result.created ? 201 : 200).json(result.schedule);
    }),
  );

  route(
    router,
    postTenantsTenantIdReconcileRoute,
    handle(async (req, res) => {
      const tenantId = tenantIdOf(req.params);
      const body = parseInput(ReconcileNowBody, req.body ?? {});
      const result = await operatorAction(
        db,
        res,
        { action: 'reconciliation.run', tenantId, role: 'support' },
        async () => {
          await loadTenant(tenantId);
          const lookback =
            body.lookbackDays ??
            (await describeSchedule(tenantId))?.lookbackDays ??
            DEFAULT_RECONCILE_LOOKBACK_DAYS;
          const handle = await temporal.workflow.start('reconcileTenant', {
            // One run on demand per tenant at a time: a second click waits for the same run.
            workflowId: `${reconcileScheduleId(tenantId)}:now`,
            workflowIdConflictPolicy: 'USE_EXISTING',
            taskQueue,
            args: [{ tenantId, lookbackDays: lookback } satisfies ReconcileTenantInput],
            typedSearchAttributes: [{ key: TenantIdKey, value: tenantId }],
          });
          return { lookbackDays: lookback, ...((await handle.result()) as ReconciliationTotals) };
        },
        ({ lookbackDays: lookback, checked, repaired, failed }) => ({
          lookbackDays: lookback,
          checked,
          repairedAttachment: repaired.attachment,
          repairedCustomFields: repaired.customFields,
          failed,
        }),
      );
      res.json(result);
    }),
  );

  route(
    router,
    postTenantsTenantIdRedriveWritebacksRoute,
    handle(async (req, res) => {
      const tenantId = tenantIdOf(req.params);
      const result = await operatorAction(
        db,
        res,
        { action: 'writebacks.redrive', tenantId, role: 'support' },
        async () => {
          await loadTenant(tenantId);
          const waiting = await journeysOf(deps).waitingForWritebackIds(tenantId);
          const journeyIds: string[] = [];
          const failures: { journeyId: string; message: string }[] = [];
          const redrive = async (journeyId: string) => {
            try {
              await temporal.workflow.getHandle(journeyId).executeUpdate(retryStepUpdate, { args: [{}] });
              journeyIds.push(journeyId);
            } catch (err) {
              failures.push({ journeyId, message: redriveFailure(err) });
            }
          };
          for (let i = 0; i < waiting.length; i += REDRIVE_CONCURRENCY) {
            await Promise.all(waiting.slice(i, i + REDRIVE_CONCURRENCY).map((j) => redrive(j.id)));
          }
          journeyIds.sort();
          failures.sort((a, b) => a.journeyId.localeCompare(b.journeyId));
          return { redriven: journeyIds.length, journeyIds, failures };
        },
        ({ redriven, journeyIds, failures }) => ({
          redriven,
          journeyIds,
          failed: failures.length,
          failedJourneyIds: failures.map((f) => f.journeyId),
        }),
      );
      res.json(result);
    }),
  );

  return router;
}

/** Why one journey could not be re-driven, in words for the operator. */
function redriveFailure(err: unknown): string {
  if (err instanceof WorkflowNotFoundError)
    return 'the journey’s workflow is not running (it finished or was terminated)';
  if (err instanceof WorkflowUpdateFailedError)
    return `the journey refused the retry: ${err.cause?.message ?? err.message}`;
  return err instanceof Error ? err.message : String(err);
}
