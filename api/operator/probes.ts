import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { probeJourneyId } from '../../domain/ids.js';
import { JourneyKindKey, JourneyStatusKey, TenantIdKey } from '../../domain/search-attributes.js';
import { completeProbeUpdate, type ProbeJourneyInput } from '../../workflows/probe/messages.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { operatorAction } from './operator-action.js';
import { err, invalidInput, operatorAuth, JourneyParams } from '../openapi/common.js';
import { note, type RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';
import { ensureTenant } from '../../tenants/tenants-repository.js';

/** The built-in tenant that owns probe journeys. */
export const SYSTEM_TENANT_ID = 'system';

export const StartProbeBody = z.strictObject({
  deadlineSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600),
});
export const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 characters of letters, digits, - and _')
  .optional();
export const CompleteProbeBody = z.strictObject({ completedBy: z.string().trim().min(1).max(200) });

export interface ProbeRouteDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
}

const ProbeHeaders = z.object({
  'Idempotency-Key': note(
    IdempotencyKey,
    'A repeated request with the same key returns the probe already running.',
  ),
});
const postProbesRoute: RouteSpec = {
  method: 'post',
  path: '/probes',
  tag: 'operator: probes',
  summary: 'Start a probe journey',
  description: 'Proves API → Temporal → worker → database. Idempotent per Idempotency-Key.',
  security: 'operator',
  headers: ProbeHeaders,
  body: { schema: StartProbeBody, required: false },
  responses: {
    202: { description: 'Started (or already running).', schema: R.StartProbeResponse },
    400: invalidInput,
    ...operatorAuth,
    404: err('A tenant-scoped key: probes belong to the system tenant.'),
  },
};
const postProbesJourneyIdCompleteRoute: RouteSpec = {
  method: 'post',
  path: '/probes/:journeyId/complete',
  tag: 'operator: probes',
  summary: 'Complete a probe journey',
  security: 'operator',
  params: JourneyParams,
  body: { schema: CompleteProbeBody },
  responses: {
    200: { description: 'The probe’s state.', schema: R.ProbeState },
    400: invalidInput,
    ...operatorAuth,
    404: err('No running probe journey with this id.'),
    409: err('The probe refused the update (already finished).'),
  },
};

/**
 * Operators start and finish probe journeys to prove API → Temporal → worker → database.
 *
 * Rules: support and admin may run probes. Probe journeys belong to the system tenant, so a
 * tenant-scoped key gets 404 (as for any other tenant). Audited: probes.start, probes.complete.
 */
export function probeRoutes({ db, temporal, taskQueue }: ProbeRouteDeps): Router {
  const router = Router();

  route(
    router,
    postProbesRoute,
    handle(async (req, res) => {
      const started = await operatorAction(
        db,
        res,
        { action: 'probes.start', role: 'support', tenantId: SYSTEM_TENANT_ID },
        () => startProbe(req.body, req.get('idempotency-key')),
        (r) => ({ journeyId: r.journeyId }),
      );
      res.status(202).json(started);
    }),
  );
  const startProbe = async (given: unknown, idempotencyKey: string | undefined) => {
    const body = parseInput(StartProbeBody, given ?? {});
    const key = parseInput(IdempotencyKey, idempotencyKey, 'Idempotency-Key') ?? randomUUID();
    await ensureTenant(db, { id: SYSTEM_TENANT_ID, slug: SYSTEM_TENANT_ID, name: 'greenroom system' });
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
    return { journeyId, runId: handleToJourney.firstExecutionRunId };
  };

  route(
    router,
    postProbesJourneyIdCompleteRoute,
    handle(async (req, res) => {
      const journeyId = String(req.params.journeyId);
      const state = await operatorAction(
        db,
        res,
        { action: 'probes.complete', role: 'support', tenantId: SYSTEM_TENANT_ID, journeyId },
        () => completeProbe(journeyId, req.body),
        () => ({}),
      );
      res.json(state);
    }),
  );
  const completeProbe = async (journeyId: string, given: unknown) => {
    const body = parseInput(CompleteProbeBody, given ?? {});
    if (!journeyId.startsWith(`probe:`))
      throw new HttpError(404, 'not_found', `no probe journey ${journeyId}`);
    try {
      const state = await temporal.workflow.getHandle(journeyId).executeUpdate(completeProbeUpdate, {
        args: [{ completedBy: body.completedBy }],
      });
      return state;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new HttpError(404, 'not_found', `no running probe journey ${journeyId}`);
      }
      if (err instanceof WorkflowUpdateFailedError) {
        throw new HttpError(409, 'conflict', err.cause?.message ?? err.message);
      }
      throw err;
    }
  };

  return router;
}
