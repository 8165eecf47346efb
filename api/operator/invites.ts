import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { InviteBody, inviteCandidate } from '../../journeys/invite-candidate.js';
import type { StartDeps } from '../../journeys/start-journey.js';
import { handle, parseInput } from '../http-errors.js';
import { operatorAction } from './operator-action.js';

export interface InviteRouteDeps {
  db: Database;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  /** How often and how long a journey looks for the candidate's application (tests: seconds). */
  applicationMatch?: StartDeps['applicationMatch'];
}

export { InviteBody, inviteCandidate } from '../../journeys/invite-candidate.js';

/**
 * Vendor-side invites (greenhouse.md §1, "Invite from the vendor platform"), under /operator, behind
 * operator auth. The journey starts without an application: the workflow finds it through Harvest
 * by e-mail and job, and waits visibly (read model `statusDetail`) while it does not exist yet.
 * Idempotent: the same e-mail, job and test return the same journey and send nothing twice.
 *
 * Rules: support and admin may invite; a tenant-scoped key only into its tenant (another
 * `:tenantId` answers 404). Audited as `invites.create` (journey id, job, test: no personal data).
 */
export function inviteRoutes(deps: InviteRouteDeps): Router {
  const router = Router();
  router.post(
    '/tenants/:tenantId/invites',
    handle(async (req, res) => {
      const tenantId = String(req.params.tenantId);
      let asked: Pick<InviteBody, 'jobId' | 'testId'> | undefined;
      const result = await operatorAction(
        deps.db,
        res,
        { action: 'invites.create', role: 'support', tenantId },
        () => {
          const body = parseInput(InviteBody, req.body ?? {});
          asked = { jobId: body.jobId, testId: body.testId };
          return inviteCandidate(deps, tenantId, body);
        },
        (r) => ({
          journeyId: r.journeyId,
          created: r.created,
          jobId: asked?.jobId,
          testId: asked?.testId ?? null,
        }),
      );
      res.status(result.created ? 201 : 200).json(result);
    }),
  );
  return router;
}
