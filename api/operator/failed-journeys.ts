import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import {
  listFailedJourneys,
  RETRYABLE_STEPS,
  retryFailedJourney,
  RetryRefused,
} from '../../journeys/failed-journeys.js';
import { cursorOr400, handle, HttpError, parseInput } from '../http-errors.js';
import { cursorInstant, pageCursor } from '../../db/page-cursor.js';
import { err, invalidInput, JourneyParams, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { audited } from './audit.js';
import { assertRole, listedTenant, loadJourneyInScope, operatorOf } from './identity.js';

// Rule: admin and support keys may list failed journeys of the tenants they see and retry them.

export const FailedJourneyListQuery = z.strictObject({
  tenantId: z.string().trim().min(1).max(200).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, 'must be between 1 and 200')
    .default(50),
  cursor: z.string().max(500).optional(),
});
export const RetryFailedBody = z.strictObject({ step: z.string().trim().min(1).max(100) });

const FailedJourney = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: z.string(),
  status: z.string(),
  statusDetail: z.string().nullable(),
  statusBeforeFailure: z.string().nullable(),
  failedAt: z.string(),
  failureReason: z.string().nullable(),
  testId: z.string().nullable(),
  greenhouseApplicationId: z.string().nullable(),
  createdAt: z.string(),
});

const listRoute: RouteSpec = {
  method: 'get',
  path: '/failed-journeys',
  tag: 'operator: journeys',
  summary: 'List journeys whose workflow failed, was terminated or timed out',
  description:
    'Most recent failure first; page with `nextCursor`. `status` is `failed`, or the status Greenhouse already saw when the journey had ended for it.',
  security: 'operator',
  query: FailedJourneyListQuery,
  responses: {
    200: {
      description: 'A page of failed journeys.',
      schema: z.object({ journeys: z.array(FailedJourney), nextCursor: z.string().nullable() }),
    },
    400: invalidInput,
    ...operatorAuth,
    404: err('A `tenantId` the key may not see.'),
  },
};

const retryRoute: RouteSpec = {
  method: 'post',
  path: '/failed-journeys/:journeyId/retry',
  tag: 'operator: journeys',
  summary: 'Run a failed journey again from a step',
  description: `Resets the journey's workflow (same id, a new run) to the step, on the current code. Safe steps: ${RETRYABLE_STEPS.join(', ')}; others, and any step after which a person's input arrived, are refused with 409.`,
  security: 'operator',
  params: JourneyParams,
  body: { schema: RetryFailedBody },
  responses: {
    200: {
      description: 'A new run started from the step.',
      schema: z.object({ journeyId: z.string(), step: z.string(), runId: z.string(), status: z.string() }),
    },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such journey (or not in the key’s tenant).'),
    409: err('Not failed, erased, or not a step it may be retried from (`conflict`, with why).'),
  },
};

/** Most recently failed first: the last row's failure time and id. */
const cursor = pageCursor(z.object({ f: cursorInstant, i: z.string() }));
const fromCursor = ({ f, i }: { f: Date; i: string }) => ({ failedAt: f, id: i });

/** Failed journeys for operators: the list, and an audited retry from a safe step. */
export function failedJourneyRoutes(deps: { db: Database; temporal: Client }): Router {
  const router = Router();

  route(
    router,
    listRoute,
    handle(async (req, res) => {
      const q = parseInput(FailedJourneyListQuery, req.query, 'query');
      const operator = operatorOf(res);
      assertRole(operator, 'support');
      const tenantId = listedTenant(operator, q.tenantId) ?? undefined;
      const rows = await listFailedJourneys(deps.db, {
        tenantId,
        after: q.cursor ? fromCursor(cursorOr400(cursor, q.cursor)) : null,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      res.json({
        journeys: page,
        nextCursor:
          rows.length > q.limit
            ? cursor.encode({ f: page[page.length - 1]!.failedAt!, i: page[page.length - 1]!.id })
            : null,
      });
    }),
  );

  route(
    router,
    retryRoute,
    handle(async (req, res) => {
      const journey = await loadJourneyInScope(deps.db, operatorOf(res), String(req.params.journeyId));
      const { step } = parseInput(RetryFailedBody, req.body ?? {});
      const result = await audited(
        deps.db,
        res,
        {
          action: 'journey.retry_failed',
          tenantId: journey.tenantId,
          journeyId: journey.id,
          detail: { step },
        },
        async () => {
          assertRole(operatorOf(res), 'support'); // inside the audit, so a refusal is recorded too
          try {
            return await retryFailedJourney(deps, journey.id, step);
          } catch (e) {
            if (e instanceof RetryRefused) throw new HttpError(409, 'conflict', e.message);
            throw e;
          }
        },
      );
      res.json({ journeyId: journey.id, ...result });
    }),
  );

  return router;
}
