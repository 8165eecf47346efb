import { createHash } from 'node:crypto';
import express, { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Database, Prisma } from '../../db/client.js';
import { CSV_LIMITS, CsvFileError, parseInviteCsv, type RowError } from '../../domain/invites/csv.js';
import { assertVendorInviteActive } from '../../journeys/invite-candidate.js';
import type { BulkInviteInput } from '../../workflows/bulk-invite/messages.js';
import { handle, HttpError } from '../http-errors.js';
import { canSeeTenant, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';
import { z } from 'zod';
import { err, operatorAuth, TenantParams } from '../openapi/common.js';
import { note } from '../openapi/registry.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';
import { createBulkInvite, findBulkInvite } from '../../journeys/bulk-invites-repository.js';

type BulkInvite = Prisma.BulkInviteGetPayload<object>;

export interface BulkInviteRouteDeps {
  db: Database;
  temporal: Client;
  taskQueue: string;
}

const postTenantsTenantIdInvitesBulkRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/invites/bulk',
  tag: 'operator: invites',
  summary: 'Invite candidates from a CSV file',
  description:
    'Header `email, first_name, last_name, job_id[, test_id]`. Valid rows are invited by a workflow, batch by batch; the same file again returns the first report.',
  security: 'operator',
  params: TenantParams,
  body: { schema: note(z.string(), 'The CSV file.'), contentType: 'text/csv' },
  responses: {
    201: { description: 'Accepted: the per-row report.', schema: R.BulkInviteView },
    200: { description: 'The same file was uploaded before: its report.', schema: R.BulkInviteView },
    ...operatorAuth,
    404: err('No such tenant (or not in the key’s tenant).'),
    409: err('The vendor_invite mode is not active.'),
    413: err('The file is too large.'),
    415: err('Not sent as text/csv.'),
    422: err('Not a readable CSV file (`invalid_csv`).'),
  },
};
const getBulkInvitesBulkIdRoute: RouteSpec = {
  method: 'get',
  path: '/bulk-invites/:bulkId',
  tag: 'operator: invites',
  summary: 'Progress of a bulk invite',
  security: 'operator',
  params: z.object({ bulkId: z.string().min(1) }),
  responses: {
    200: { description: 'The report and progress.', schema: R.BulkInviteView },
    ...operatorAuth,
    404: err('No such bulk invite.'),
  },
};

/** The upload's id: the same file for the same tenant is the same bulk invite (re-uploads are no-ops). */
export function bulkInviteIdOf(tenantId: string, content: string) {
  return `bulk_${createHash('sha256').update(tenantId).update('\n').update(content).digest('hex').slice(0, 24)}`;
}

/** What the API shows of a bulk invite: the per-row report and the progress. */
export function bulkInviteView(bulk: BulkInvite) {
  const errors = bulk.errors as unknown as RowError[];
  return {
    id: bulk.id,
    tenantId: bulk.tenantId,
    status: bulk.status as 'running' | 'done',
    totalRows: bulk.totalRows,
    validRows: bulk.validRows,
    invalidRows: bulk.totalRows - bulk.validRows,
    started: bulk.started,
    alreadyInvited: bulk.alreadyInvited,
    failed: bulk.failed,
    createdAt: bulk.createdAt.toISOString(),
    errors,
  };
}

/**
 * Bulk invites from CSV (`text/csv`, header email, first_name, last_name, job_id[, test_id]).
 * Every row is validated as a single invite; the valid ones are invited by the `bulkInvite`
 * workflow, batch by batch, so the work survives restarts of the API and the worker. Idempotent:
 * the bulk id is a hash of tenant and content (a re-upload returns the first report and does
 * nothing), and each row's journey has a business id (a row already invited, by any upload or a
 * single invite, sends nothing again: counted `alreadyInvited`).
 *
 * Rules: support and admin; a tenant-scoped key only into its tenant (404 otherwise). Audited as
 * `invites.bulk` with counts only.
 */
export function bulkInviteRoutes(deps: BulkInviteRouteDeps): Router {
  const router = Router();
  route(
    router,
    postTenantsTenantIdInvitesBulkRoute,
    express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: CSV_LIMITS.maxBytes }),
    handle(async (req, res) => {
      const tenantId = String(req.params.tenantId);
      let reused = false;
      const bulk = await operatorAction(
        deps.db,
        res,
        { action: 'invites.bulk', role: 'support', tenantId },
        async () => {
          if (typeof req.body !== 'string') {
            throw new HttpError(
              415,
              'unsupported_media_type',
              'send the CSV file as the body, with Content-Type: text/csv',
            );
          }
          const content = req.body;
          await assertVendorInviteActive(deps.db, tenantId);
          const id = bulkInviteIdOf(tenantId, content);
          const existing = await findBulkInvite(deps.db, id);
          if (existing) {
            reused = true;
            // Heals an upload whose workflow never started (a crash in between); joins it otherwise.
            if (existing.status === 'running') await startBulkWorkflow(deps, existing);
            return existing;
          }
          let report;
          try {
            report = parseInviteCsv(content);
          } catch (err) {
            if (err instanceof CsvFileError) {
              throw err.kind === 'too_large'
                ? new HttpError(413, 'body_too_large', err.message)
                : new HttpError(422, 'invalid_csv', err.message);
            }
            throw err;
          }
          const created = await createBulkInvite(deps.db, {
            id,
            tenantId,
            createdBy: operatorOf(res).name,
            report,
          }).catch(async (err: unknown) => {
            // The same file uploaded twice at once: the other request created it.
            const raced = await findBulkInvite(deps.db, id);
            if (!raced) throw err;
            reused = true;
            return raced;
          });
          if (created.status === 'running') await startBulkWorkflow(deps, created);
          return created;
        },
        (b) => ({
          bulkId: b.id,
          reused,
          totalRows: b.totalRows,
          validRows: b.validRows,
          invalidRows: b.totalRows - b.validRows,
        }),
      );
      res.status(reused ? 200 : 201).json(bulkInviteView(bulk));
    }),
  );

  route(
    router,
    getBulkInvitesBulkIdRoute,
    handle(async (req, res) => {
      const id = String(req.params.bulkId);
      const bulk = await findBulkInvite(deps.db, id);
      // Another tenant's upload does not exist for a scoped key.
      if (!bulk || !canSeeTenant(operatorOf(res), bulk.tenantId)) {
        throw new HttpError(404, 'not_found', `no bulk invite ${id}`);
      }
      res.json(bulkInviteView(bulk));
    }),
  );
  return router;
}

async function startBulkWorkflow(deps: BulkInviteRouteDeps, bulk: BulkInvite) {
  const input: BulkInviteInput = { bulkId: bulk.id, validRows: bulk.validRows };
  await deps.temporal.workflow
    .start('bulkInvite', {
      workflowId: bulk.id,
      taskQueue: deps.taskQueue,
      args: [input],
      // Running: join it. Finished: never again (the status is about to say done anyway).
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
}
