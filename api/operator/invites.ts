import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { InviteBody, inviteCandidate } from '../../journeys/invite-candidate.js';
import type { StartDeps } from '../../journeys/start-journey.js';
import { handle, parseInput } from '../http-errors.js';
import { operatorAction } from './operator-action.js';
import { err, invalidInput, operatorAuth, noTenant, TenantParams } from '../openapi/common.js';
import { component, type RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';

export interface InviteRouteDeps {
  db: Database;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  /** How often and how long a journey looks for the candidate's application (tests: seconds). */
  applicationMatch?: StartDeps['applicationMatch'];
}

export { InviteBody, inviteCandidate } from '../../journeys/invite-candidate.js';

component(InviteBody, 'InviteBody', 'A vendor-side invite: the candidate, the job, optionally the test.');
const postTenantsTenantIdInvitesRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/invites',
  tag: 'operator: invites',
  summary: 'Invite a candidate from the vendor platform',
  description:
    'Starts a journey without an application: the workflow finds it through Harvest by e-mail and job. Idempotent: the same e-mail, job and test return the same journey.',
  security: 'operator',
  params: TenantParams,
  body: { schema: InviteBody },
  responses: {
    201: { description: 'A journey started.', schema: R.InviteResponse },
    200: { description: 'The journey already started for this invite.', schema: R.InviteResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
    409: err('The vendor_invite mode is not active (`precondition`).'),
    422: err('No test given and the job is not mapped, or the test is unknown or inactive.'),
  },
};

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
  route(
    router,
    postTenantsTenantIdInvitesRoute,
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
