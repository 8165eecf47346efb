import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { startAssessmentJourney, type StartDeps } from '../../journeys/start-assessment.js';
import { GreenhouseId } from '../../tenants/schemas.js';
import { handle, parseInput } from '../http-errors.js';

export interface InviteRouteDeps {
  db: Database;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  /** How often and how long a journey looks for the candidate's application (tests: seconds). */
  applicationMatch?: StartDeps['applicationMatch'];
}

const name = z.string().trim().min(1).max(200);
export const InviteBody = z.strictObject({
  email: z.email().max(320),
  firstName: name,
  lastName: name,
  jobId: GreenhouseId,
  testId: z.string().trim().min(1).max(100).optional(),
});
export type InviteBody = z.infer<typeof InviteBody>;

/**
 * Vendor-side invites (greenhouse.md §1, "Invite from the vendor platform"), under /operator, behind
 * operator auth. The journey starts without an application: the workflow finds it through Harvest
 * by e-mail and job, and waits visibly (read model `statusDetail`) while it does not exist yet.
 * Idempotent: the same e-mail, job and test return the same journey and send nothing twice.
 */
export function inviteRoutes(deps: InviteRouteDeps): Router {
  const router = Router();
  router.post(
    '/tenants/:tenantId/invites',
    handle(async (req, res) => {
      const tenantId = String(req.params.tenantId);
      const body = parseInput(InviteBody, req.body ?? {});
      const result = await inviteCandidate(deps, tenantId, body);
      res.status(result.created ? 201 : 200).json(result);
    }),
  );
  return router;
}

/** Checks the tenant, its vendor mode and the test, then starts (or finds) the journey. */
export async function inviteCandidate(deps: InviteRouteDeps, tenantId: string, body: InviteBody) {
  const tenant = await deps.db.tenant.findUnique({
    where: { id: tenantId },
    include: { modes: { where: { mode: 'vendor_invite' } } },
  });
  if (!tenant) throw new ServiceError('not_found', `no tenant ${tenantId}`);
  if (!tenant.modes.some((m) => m.active)) {
    throw new ServiceError('precondition', `the vendor_invite mode is not active for tenant ${tenantId}`);
  }
  const testId = body.testId ?? (await mappedTest(deps.db, tenantId, body.jobId));
  if (!testId) {
    throw new ServiceError(
      'invalid',
      `no testId given and job ${body.jobId} is not mapped to a test`,
      'testId',
    );
  }
  const test = await deps.catalogue.getTest(tenantId, testId).catch((err: unknown) => {
    if (err instanceof ServiceError && err.kind === 'not_found') {
      throw new ServiceError('invalid', `no test ${testId} in this tenant`, 'testId');
    }
    throw err;
  });
  if (!test.active) throw new ServiceError('invalid', `test ${testId} is not active`, 'testId');

  const { journeyId, created } = await startAssessmentJourney(deps, {
    tenantId,
    testId,
    trigger: 'vendor',
    candidate: {
      firstName: body.firstName,
      lastName: body.lastName,
      preferredName: null,
      email: body.email,
      phone: null,
    },
    greenhouse: {
      applicationId: null,
      candidateId: null,
      jobId: body.jobId,
      callbackUrl: null,
      sentBy: null,
    },
  });
  return { journeyId, created };
}

async function mappedTest(db: Database, tenantId: string, jobId: string) {
  const mapping = await db.jobTestMapping.findUnique({ where: { tenantId_jobId: { tenantId, jobId } } });
  return mapping?.testId ?? null;
}
