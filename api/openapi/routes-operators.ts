import { z } from 'zod';
import { JourneyListQuery } from '../operator/journeys.js';
import { CreateOperatorKeyBody } from '../operator/keys.js';
import {
  CancelBody,
  CodecBody,
  EmptyBody,
  ExtendBody,
  ReconcileNowBody,
  RetryBody,
  ScheduleBody,
  SkipBody,
} from './requests.js';
import { ErrorBodySchema, Journey } from './responses.js';
import { defineRoute, note, type ResponseSpec, type RouteSpec } from './registry.js';

/**
 * Routes of the operators' surface added alongside this document (operator keys, journey list and
 * actions, bulk invites, reconciliation, metrics, the Temporal codec). Exported schemas are
 * imported; the bodies their routers keep private are described loosely (`object`, with the fields
 * in the description) until those routers export them.
 */

const err = (description: string): ResponseSpec => ({ description, schema: ErrorBodySchema });
const operatorAuth = {
  401: err('No, wrong or revoked operator key (`unauthorized`).'),
  403: err('The key’s role (support vs admin) or tenant scope does not allow this (`forbidden`).'),
};
const invalidInput = err('Invalid input: `error.field` names the first wrong field.');
const loose = (description: string) => note(z.looseObject({}), description);

const JourneyParams = z.object({ journeyId: z.string().min(1) });
const TenantParams = z.object({ tenantId: z.string().min(1) });

const OperatorKeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'support', 'metrics']),
  tenantId: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  revokedAt: z.iso.datetime({ offset: true }).nullable(),
  lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
});

const BulkInviteView = z.object({
  id: z.string(),
  tenantId: z.string(),
  status: z.enum(['running', 'done']),
  totalRows: z.number().int(),
  validRows: z.number().int(),
  invalidRows: z.number().int(),
  started: z.number().int(),
  alreadyInvited: z.number().int(),
  failed: z.number().int(),
  createdAt: z.iso.datetime({ offset: true }),
  errors: note(z.array(z.looseObject({})), 'One entry per refused row: its line and what is wrong.'),
});

const journeyAction = (
  name: string,
  summary: string,
  body: z.ZodType,
  result: z.ZodType,
  description?: string,
): RouteSpec =>
  defineRoute({
    method: 'post',
    path: `/operator/journeys/{journeyId}/${name}`,
    tag: 'operator: journeys',
    summary,
    ...(description ? { description } : {}),
    security: 'operator',
    params: JourneyParams,
    body: { schema: body, required: false },
    responses: {
      200: { description: 'Done.', schema: result },
      400: invalidInput,
      ...operatorAuth,
      404: err('No such journey (or not in the key’s tenant).'),
      409: err('The journey cannot do this now (finished, or nothing waits).'),
    },
  });

export const operatorSurfaceRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/metrics',
    tag: 'health',
    summary: 'Prometheus metrics',
    description: 'Scraped with the operator key as bearer token.',
    security: 'operator',
    responses: {
      200: { description: 'Prometheus text exposition format.', contentType: 'text/plain' },
      ...operatorAuth,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/keys',
    tag: 'operator: keys',
    summary: 'Create an operator key (shown once)',
    security: 'operator',
    body: { schema: CreateOperatorKeyBody },
    responses: {
      201: {
        description: 'The key, once: only its SHA-256 is stored.',
        schema: OperatorKeyView.pick({ id: true, name: true, role: true, tenantId: true }).extend({
          key: z.string(),
        }),
      },
      400: invalidInput,
      ...operatorAuth,
      422: err('No such tenant.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/keys',
    tag: 'operator: keys',
    summary: 'List operator keys',
    security: 'operator',
    responses: {
      200: { description: 'Never a key or its hash.', schema: z.array(OperatorKeyView) },
      ...operatorAuth,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/keys/{keyId}/revoke',
    tag: 'operator: keys',
    summary: 'Revoke an operator key',
    security: 'operator',
    params: z.object({ keyId: z.string().min(1) }),
    responses: {
      200: { description: 'Revoked (or already).', schema: OperatorKeyView },
      ...operatorAuth,
      404: err('No such key within the caller’s reach.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/journeys',
    tag: 'operator: journeys',
    summary: 'List journeys',
    description: 'Newest first, filtered; page with `nextCursor`.',
    security: 'operator',
    query: JourneyListQuery,
    responses: {
      200: {
        description: 'A page of journeys.',
        schema: z.object({ journeys: z.array(Journey), nextCursor: z.string().nullable() }),
      },
      400: invalidInput,
      ...operatorAuth,
    },
  }),
  journeyAction(
    'resend',
    'Send the invite again',
    EmptyBody,
    z.object({ journeyId: z.string(), invitesSent: z.number().int() }),
  ),
  journeyAction(
    'extend',
    'Move the deadline',
    ExtendBody,
    z.object({
      journeyId: z.string(),
      previousDeadlineAt: z.string().nullable(),
      deadlineAt: z.string(),
    }),
  ),
  journeyAction(
    'cancel',
    'Cancel the journey',
    CancelBody,
    z.object({ journeyId: z.string(), stopReason: z.string().nullable() }),
  ),
  journeyAction(
    'retry',
    'Retry a failed write-back step',
    RetryBody,
    z.object({ journeyId: z.string(), retried: z.string().nullable(), skipped: z.array(z.string()) }),
  ),
  journeyAction(
    'skip',
    'Skip a failed write-back step',
    SkipBody,
    z.object({ journeyId: z.string(), skipped: z.string(), allSkipped: z.array(z.string()) }),
  ),
  journeyAction(
    'erase',
    'Erase the candidate’s personal data',
    EmptyBody,
    loose('`journeyId` and what was erased.'),
  ),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/invites/bulk',
    tag: 'operator: invites',
    summary: 'Invite candidates from a CSV file',
    description:
      'Header `email, first_name, last_name, job_id[, test_id]`. Valid rows are invited by a workflow, batch by batch; the same file again returns the first report.',
    security: 'operator',
    params: TenantParams,
    body: { schema: note(z.string(), 'The CSV file.'), contentType: 'text/csv' },
    responses: {
      201: { description: 'Accepted: the per-row report.', schema: BulkInviteView },
      200: { description: 'The same file was uploaded before: its report.', schema: BulkInviteView },
      ...operatorAuth,
      404: err('No such tenant (or not in the key’s tenant).'),
      409: err('The vendor_invite mode is not active.'),
      413: err('The file is too large.'),
      415: err('Not sent as text/csv.'),
      422: err('Not a readable CSV file (`invalid_csv`).'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/bulk-invites/{bulkId}',
    tag: 'operator: invites',
    summary: 'Progress of a bulk invite',
    security: 'operator',
    params: z.object({ bulkId: z.string().min(1) }),
    responses: {
      200: { description: 'The report and progress.', schema: BulkInviteView },
      ...operatorAuth,
      404: err('No such bulk invite.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}/reconciliation',
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
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/reconciliation',
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
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/reconcile',
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
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/redrive-writebacks',
    tag: 'operator: reconciliation',
    summary: 'Retry every failed write-back of the tenant',
    security: 'operator',
    params: TenantParams,
    responses: {
      200: { description: 'The journeys told to retry.', schema: loose('Counts and journey ids.') },
      ...operatorAuth,
      404: err('No such tenant.'),
    },
  }),
  ...(['encode', 'decode'] as const).map((op) =>
    defineRoute({
      method: 'post',
      path: `/codec/${op}`,
      tag: 'codec',
      summary: `Temporal Web UI codec: ${op} payloads`,
      description: 'CORS for the configured Temporal UI origins; an unscoped operator key.',
      security: 'operator',
      body: {
        schema: CodecBody,
        description: 'Payloads as proto JSON (`bytes` fields base64).',
      },
      responses: {
        200: { description: 'The payloads, same shape.', schema: CodecBody },
        400: invalidInput,
        ...operatorAuth,
      },
    }),
  ),
];
