import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { probeJourneyId } from '../../domain/ids.js';
import { JourneyKindKey, JourneyStatusKey, TenantIdKey } from '../../domain/search-attributes.js';
import { completeProbeUpdate, type ProbeJourneyInput } from '../../workflows/probe/messages.js';
import { handle, HttpError, parseInput } from '../http-errors.js';

/** The built-in tenant that owns probe journeys. */
export const SYSTEM_TENANT_ID = 'system';

const StartProbeBody = z.strictObject({
  deadlineSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600),
});
const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 characters of letters, digits, - and _')
  .optional();
const CompleteProbeBody = z.strictObject({ completedBy: z.string().trim().min(1).max(200) });

export interface ProbeRouteDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
}

/** Operators start and finish probe journeys to prove API → Temporal → worker → database. */
export function probeRoutes({ db, temporal, taskQueue }: ProbeRouteDeps): Router {
  const router = Router();

  router.post(
    '/probes',
    handle(async (req, res) => {
      const body = parseInput(StartProbeBody, req.body ?? {});
      const key = parseInput(IdempotencyKey, req.get('idempotency-key'), 'Idempotency-Key') ?? randomUUID();
      await db.tenant.upsert({
        where: { id: SYSTEM_TENANT_ID },
        create: { id: SYSTEM_TENANT_ID, slug: SYSTEM_TENANT_ID, name: 'greenroom system' },
        update: {},
      });
      const journeyId = probeJourneyId(SYSTEM_TENANT_ID, key);
      const input: ProbeJourneyInput = {
        journeyId,
        tenantId: SYSTEM_TENANT_ID,
        deadlineSeconds: body.deadlineSeconds,
      };
      const handleToJourney = await temporal.workflow.start('probeJourney', {
        workflowId: journeyId,
        taskQueue,
        args: [input],
        // A repeated request (same Idempotency-Key) returns the journey already running.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: TenantIdKey, value: SYSTEM_TENANT_ID },
          { key: JourneyKindKey, value: 'probe' },
          { key: JourneyStatusKey, value: 'created' },
        ],
      });
      res.status(202).json({ journeyId, runId: handleToJourney.firstExecutionRunId });
    }),
  );

  router.post(
    '/probes/:journeyId/complete',
    handle(async (req, res) => {
      const journeyId = String(req.params.journeyId);
      const body = parseInput(CompleteProbeBody, req.body ?? {});
      if (!journeyId.startsWith(`probe:`))
        throw new HttpError(404, 'not_found', `no probe journey ${journeyId}`);
      try {
        const state = await temporal.workflow.getHandle(journeyId).executeUpdate(completeProbeUpdate, {
          args: [{ completedBy: body.completedBy }],
        });
        res.json(state);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw new HttpError(404, 'not_found', `no running probe journey ${journeyId}`);
        }
        if (err instanceof WorkflowUpdateFailedError) {
          throw new HttpError(409, 'conflict', err.cause?.message ?? err.message);
        }
        throw err;
      }
    }),
  );

  return router;
}
