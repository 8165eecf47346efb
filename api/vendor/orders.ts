import { Router } from 'express';
import { z } from 'zod';
import { ServiceError } from '../../domain/errors.js';
import { inviteCandidate } from '../../journeys/invite-candidate.js';
import type { StartDeps } from '../../journeys/start-journey.js';
import type { SecretBox } from '../../security/secret-box.js';
import { orderLaunchLinks } from '../../vendor/launch-link.js';
import { vendorPackagesRepository } from '../../vendor/packages-repository.js';
import { PackageId } from '../../vendor/packages-service.js';
import { orderStatuses, vendorOrdersRepository, type OrderRecord } from '../../vendor/orders-repository.js';
import { GreenhouseId } from '../../tenants/schemas.js';
import { cursorOr400, handle, HttpError, parseInput } from '../http-errors.js';
import { err, invalidInput } from '../openapi/common.js';
import { note, type RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { canSeeTenant, integrationAuth, integrationOf } from './auth.js';
import { page, pageOf, PageQuery } from './paging.js';
import { cursorInstant, pageCursor } from '../../db/page-cursor.js';

const timestamp = z.iso.datetime({ offset: true });
export const OrderView = z.object({
  id: z.string(),
  tenant_id: z.string(),
  status: z.enum(orderStatuses),
  package: z.object({
    id: z.string(),
    version: z.number().int(),
    kind: z.enum(['assessment', 'reference_check']),
  }),
  candidate: z.object({ first_name: z.string(), last_name: z.string(), email: z.string() }).nullable(),
  job: z.object({ id: z.string() }).nullable(),
  application: z.object({ id: z.string() }).nullable(),
  trigger: z.enum(['greenhouse', 'vendor', 'webhook']).nullable(),
  deadline_at: timestamp.nullable(),
  invite_delivery: z.enum(['greenroom', 'vendor']),
  launch_url: note(
    z.string().nullable(),
    'The candidate’s link (/v/…): greenroom e-mails it, or the vendor does (`invite_delivery: vendor`). ' +
      'Null until the order row exists, and after the candidate’s data was erased.',
  ),
  progress_percent: z.number().int().nullable(),
  created_at: timestamp,
  result: z.looseObject({}).nullable(),
});

const ListQuery = z.strictObject({
  ...PageQuery,
  status: z.enum(orderStatuses).optional(),
  tenant_id: z.string().min(1).max(100).optional(),
  since: note(z.iso.datetime({ offset: true }).optional(), 'Orders created at or after this time.'),
});
const OrderParams = z.object({ order_id: z.string().min(1).max(300) });
export const PostOrderBody = z.strictObject({
  tenant_id: z.string().min(1).max(100).optional(),
  package_id: PackageId,
  candidate: z.strictObject({
    first_name: z.string().trim().min(1).max(200),
    last_name: z.string().trim().min(1).max(200),
    email: z.email().max(320),
  }),
  job_id: GreenhouseId,
});

const noOrder = err('No such order within the key’s reach (`not_found`).');
const getOrdersRoute: RouteSpec = {
  method: 'get',
  path: '/orders',
  tag: 'vendor: orders',
  summary: 'List orders',
  description:
    'Oldest first; filter by status, tenant and creation time. A scoped key sees its tenant’s only.',
  security: 'integration',
  query: ListQuery,
  responses: {
    200: { description: 'A page of orders.', schema: pageOf(OrderView) },
    400: invalidInput,
    ...integrationAuth,
  },
};
const getOrderRoute: RouteSpec = {
  method: 'get',
  path: '/orders/:order_id',
  tag: 'vendor: orders',
  summary: 'One order',
  security: 'integration',
  params: OrderParams,
  responses: { 200: { description: 'The order.', schema: OrderView }, ...integrationAuth, 404: noOrder },
};
const postOrderRoute: RouteSpec = {
  method: 'post',
  path: '/orders',
  tag: 'vendor: orders',
  summary: 'Invite a candidate (vendor-side invite)',
  description:
    'Starts an order through the tenant’s vendor_invite mode. Idempotent: the same e-mail, job and ' +
    'package return the same order (200).',
  security: 'integration',
  body: { schema: PostOrderBody },
  responses: {
    200: { description: 'The order, already there.', schema: OrderView },
    201: { description: 'The order, new.', schema: OrderView },
    400: invalidInput,
    ...integrationAuth,
    404: err('No such tenant (`not_found`).'),
    409: err('The tenant’s vendor_invite mode is not active (`precondition`).'),
    422: err('The package is not enabled for the tenant, or a field is wrong (`error.field`).'),
  },
};

function toView(r: OrderRecord, launchUrl: string | null): z.infer<typeof OrderView> {
  const { journey: j, candidate: c, order: o } = r;
  const status = (o?.status ?? 'open') as (typeof orderStatuses)[number];
  return {
    id: j.id,
    tenant_id: j.tenantId,
    status,
    package: {
      id: o?.packageId ?? j.testId ?? '',
      version: o?.packageVersion ?? j.testVersion ?? 1,
      kind: r.packageKind ?? 'assessment',
    },
    candidate: c ? { first_name: c.firstName, last_name: c.lastName, email: c.email } : null,
    job: j.jobId ? { id: j.jobId } : null,
    application: j.greenhouseApplicationId ? { id: j.greenhouseApplicationId } : null,
    trigger: j.trigger as 'greenhouse' | 'vendor' | 'webhook' | null,
    deadline_at: j.deadlineAt?.toISOString() ?? null,
    invite_delivery: o?.inviteDelivery ?? r.tenantInviteDelivery ?? 'greenroom',
    launch_url: launchUrl,
    progress_percent: o?.progressPercent ?? null,
    created_at: j.createdAt.toISOString(),
    result: (o?.result as Record<string, unknown> | null) ?? null,
  };
}

/** Newest first: the last order's creation time and id. */
const cursor = pageCursor(z.tuple([cursorInstant, z.string()]));

/** Orders for the vendor's product: read (pull) and vendor-side invites. */
export function vendorOrderRoutes(deps: StartDeps & { secrets: SecretBox; publicBaseUrl?: string }): Router {
  const router = Router();
  const links = orderLaunchLinks({ ...deps, publicBaseUrl: deps.publicBaseUrl ?? '' });
  const view = async (r: OrderRecord) =>
    toView(r, r.order ? await links.open(r.journey.id, r.order.launchUrlSealed) : null);
  const orders = vendorOrdersRepository(deps.db);
  const packages = vendorPackagesRepository(deps.db);

  route(
    router,
    getOrdersRoute,
    handle(async (req, res) => {
      const q = parseInput(ListQuery, req.query, 'query');
      const scope = integrationOf(res).tenantId;
      if (scope !== null && q.tenant_id !== undefined && q.tenant_id !== scope)
        return res.json({ data: [], next_cursor: null });
      const after = q.cursor ? cursorOr400(cursor, q.cursor) : undefined;
      const rows = await orders.list({
        tenantId: scope ?? q.tenant_id,
        status: q.status,
        since: q.since ? new Date(q.since) : undefined,
        after: after ? { at: after[0], id: after[1] } : undefined,
        take: q.limit + 1,
      });
      res.json(
        page(await Promise.all(rows.map(view)), q.limit, cursor, (o) => [new Date(o.created_at), o.id]),
      );
    }),
  );

  route(
    router,
    getOrderRoute,
    handle(async (req, res) => {
      const id = String(req.params.order_id);
      const record = await orders.get(id);
      if (!record || !canSeeTenant(integrationOf(res), record.journey.tenantId))
        throw new HttpError(404, 'not_found', `no order ${id}`);
      res.json(await view(record));
    }),
  );

  route(
    router,
    postOrderRoute,
    handle(async (req, res) => {
      const body = parseInput(PostOrderBody, req.body ?? {});
      const scope = integrationOf(res).tenantId;
      const tenantId = body.tenant_id ?? scope;
      if (tenantId === null)
        throw new HttpError(
          400,
          'invalid_input',
          'tenant_id: needed with a key without tenant scope',
          'tenant_id',
        );
      // Another tenant answers as an unknown one would.
      if (scope !== null && tenantId !== scope) throw new ServiceError('not_found', `no tenant ${tenantId}`);
      const enabling = await packages.tenantPackage(tenantId, body.package_id);
      if (!enabling?.enabled)
        throw new ServiceError(
          'invalid',
          `package ${body.package_id} is not enabled for this tenant`,
          'package_id',
        );
      const { journeyId, created } = await inviteCandidate(deps, tenantId, {
        email: body.candidate.email,
        firstName: body.candidate.first_name,
        lastName: body.candidate.last_name,
        jobId: body.job_id,
        testId: body.package_id,
      });
      const record = await orders.get(journeyId);
      if (!record) throw new Error(`order ${journeyId} was started but is not readable`);
      res.status(created ? 201 : 200).json(await view(record));
    }),
  );
  return router;
}
