import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { countReportLinks, replaceReportLink, revokeReportLinks } from '../../journeys/links.js';
import type { SecretBox } from '../../security/secret-box.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { err, invalidInput, JourneyParams, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { loadJourneyInScope, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';
import {
  REPORT_LINK_NOTICE_WORKFLOW,
  type ReportLinkNoticeInput,
} from '../../workflows/report-link/contract.js';

// Rule: admin and support keys act on the journeys of the tenants they can see (as journeys.ts).

export const IssueReportLinkBody = z.strictObject({
  /** Also revoke every earlier report link of the journey (a leaked link). Default false. */
  revokeOthers: z.boolean().optional(),
});
export const RevokeReportLinksBody = z.strictObject({});

const postIssueRoute: RouteSpec = {
  method: 'post',
  path: '/journeys/:journeyId/report-links',
  tag: 'operator: journeys',
  summary: 'Issue a fresh report link',
  description:
    'A new recruiter’s link to the report, living the tenant’s `reportLinkLifetimeDays`. It is shown ' +
    'in this answer only (stored hashed, and encrypted for test_status) and from now on is the ' +
    '`partner_profile_url` Greenhouse reads: a completion PATCH makes Greenhouse read it again, and ' +
    'a new note carries it where the result note went out (notes cannot be edited). Earlier links ' +
    'keep working unless `revokeOthers`.',
  security: 'operator',
  params: JourneyParams,
  body: { schema: IssueReportLinkBody, required: false },
  responses: {
    200: {
      description: 'Issued.',
      schema: z.object({
        journeyId: z.string(),
        reportUrl: z.string(),
        expiresAt: z.iso.datetime({ offset: true }),
        revoked: z.number().int(),
        /** Telling Greenhouse has started (it retries on its own); false when Temporal did not answer. */
        greenhouseNotified: z.boolean(),
      }),
    },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such journey (or not in the key’s tenant).'),
    409: err('The journey has no result yet: its link is issued when the result is ready (`conflict`).'),
  },
};

const postRevokeRoute: RouteSpec = {
  method: 'post',
  path: '/journeys/:journeyId/report-links/revoke',
  tag: 'operator: journeys',
  summary: 'Revoke the report links',
  description:
    'Every report link of the journey stops opening the report at once; it shows a page saying it ' +
    'was withdrawn (410). Issue a fresh link to give access again.',
  security: 'operator',
  params: JourneyParams,
  body: { schema: RevokeReportLinksBody, required: false },
  responses: {
    200: {
      description: 'Revoked.',
      schema: z.object({ journeyId: z.string(), revoked: z.number().int() }),
    },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such journey (or not in the key’s tenant).'),
  },
};

/** The recruiter's report links of a journey: revoke them, issue a fresh one. Both audited. */
export function reportLinkRoutes(deps: {
  db: Database;
  secrets: SecretBox;
  publicBaseUrl?: string;
  temporal: Client;
  taskQueue: string;
}): Router {
  const { db } = deps;
  const router = Router();

  /** Greenhouse learns the fresh link through a small workflow: a fault there loses nothing. */
  async function noticeToGreenhouse(journeyId: string): Promise<boolean> {
    const n = await countReportLinks(db, journeyId);
    const input: ReportLinkNoticeInput = { journeyId, n };
    try {
      await deps.temporal.workflow.start(REPORT_LINK_NOTICE_WORKFLOW, {
        workflowId: `${journeyId}:report-link-${n}`,
        taskQueue: deps.taskQueue,
        args: [input],
      });
      return true;
    } catch (err) {
      return err instanceof WorkflowExecutionAlreadyStartedError;
    }
  }

  route(
    router,
    postIssueRoute,
    handle(async (req, res) => {
      const journey = await loadJourneyInScope(db, operatorOf(res), String(req.params.journeyId));
      const input = parseInput(IssueReportLinkBody, req.body ?? {});
      const issued = await operatorAction(
        db,
        res,
        {
          role: 'support',
          action: 'journey.report_links.issue',
          tenantId: journey.tenantId,
          journeyId: journey.id,
        },
        async () => {
          if (!deps.publicBaseUrl) throw new Error('PUBLIC_BASE_URL is not configured');
          const fresh = await replaceReportLink({ ...deps, publicBaseUrl: deps.publicBaseUrl }, journey.id, {
            revokeOthers: input.revokeOthers ?? false,
          });
          if (!fresh)
            throw new HttpError(
              409,
              'conflict',
              `journey ${journey.id} has no result yet: its report link is issued when the result is ready`,
            );
          return fresh;
        },
        // The link itself is a credential: the trail keeps when it expires, never the link.
        (fresh) => ({ expiresAt: fresh.expiresAt.toISOString(), revoked: fresh.revoked }),
      );
      res.json({
        journeyId: journey.id,
        reportUrl: issued.url,
        expiresAt: issued.expiresAt.toISOString(),
        revoked: issued.revoked,
        greenhouseNotified: await noticeToGreenhouse(journey.id),
      });
    }),
  );

  route(
    router,
    postRevokeRoute,
    handle(async (req, res) => {
      const journey = await loadJourneyInScope(db, operatorOf(res), String(req.params.journeyId));
      parseInput(RevokeReportLinksBody, req.body ?? {});
      const revoked = await operatorAction(
        db,
        res,
        {
          role: 'support',
          action: 'journey.report_links.revoke',
          tenantId: journey.tenantId,
          journeyId: journey.id,
        },
        () => revokeReportLinks(db, journey.id),
        (count) => ({ revoked: count }),
      );
      res.json({ journeyId: journey.id, revoked });
    }),
  );

  return router;
}
