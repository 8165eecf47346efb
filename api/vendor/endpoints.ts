import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { SecretBox } from '../../security/secret-box.js';
import { tenantExists } from '../../tenants/tenants-repository.js';
import { checkEndpointUrl } from '../../vendor/endpoints-url.js';
import { endpointView, vendorEndpointsRepository } from '../../vendor/endpoints-repository.js';
import { vendorEventTypes } from '../../vendor/event-types.js';
import { ServiceError } from '../../domain/errors.js';
import type { Resolver } from '../../greenhouse/callback/index.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { err, invalidInput } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { integrationOf, type IntegrationIdentity } from './auth.js';

export const integrationAuth = {
  401: err('No, wrong or revoked integration key (`unauthorized`).'),
};
const forbidden = err('A tenant-scoped integration key cannot change endpoints (`forbidden`).');

export const CreateEndpointBody = z.strictObject({
  url: z.string().trim().min(1).max(2000),
  /** Event types the endpoint receives; left out or empty: all of them. */
  event_types: z.array(z.enum(vendorEventTypes)).max(vendorEventTypes.length).optional(),
  /** Only this tenant's events; left out: every tenant's. */
  tenant_id: z.string().trim().min(1).max(100).optional(),
});
const EndpointView = z.object({
  id: z.string(),
  tenant_id: z.string().nullable(),
  url: z.string(),
  event_types: z.array(z.string()),
  disabled_at: z.string().nullable(),
  previous_secret_until: z.string().nullable(),
  created_at: z.string(),
});
const WithSecret = EndpointView.extend({
  secret: z.string().describe('`whsec_…`: shown once; verify signatures with it (Standard Webhooks).'),
});
const EndpointParams = z.object({ endpoint_id: z.string().min(1) });
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const tag = 'vendor: endpoints';
const listRoute: RouteSpec = {
  method: 'get',
  path: '/endpoints',
  tag,
  summary: 'List event endpoints',
  security: 'integration',
  query: ListQuery,
  responses: {
    200: {
      description: 'Live endpoints (a scoped key: its tenant’s).',
      schema: z.object({ data: z.array(EndpointView), next_cursor: z.string().nullable() }),
    },
    400: invalidInput,
    ...integrationAuth,
  },
};
const createRoute: RouteSpec = {
  method: 'post',
  path: '/endpoints',
  tag,
  summary: 'Register an event endpoint (its secret is shown once)',
  description:
    'The URL must be https and resolve to public addresses only (the callback URL’s address rules).',
  security: 'integration',
  body: { schema: CreateEndpointBody },
  responses: {
    201: { description: 'The endpoint and its signing secret, once.', schema: WithSecret },
    400: invalidInput,
    ...integrationAuth,
    403: forbidden,
    422: err('The URL breaks the address rules, or no such tenant (`invalid`, `field`).'),
  },
};
const deleteRoute: RouteSpec = {
  method: 'delete',
  path: '/endpoints/:endpoint_id',
  tag,
  summary: 'Disable an event endpoint',
  security: 'integration',
  params: EndpointParams,
  responses: {
    200: { description: 'Disabled (or already): no more deliveries.', schema: EndpointView },
    ...integrationAuth,
    403: forbidden,
    404: err('No such endpoint (`not_found`).'),
  },
};
const rotateRoute: RouteSpec = {
  method: 'post',
  path: '/endpoints/:endpoint_id/rotate-secret',
  tag,
  summary: 'Rotate an endpoint’s signing secret',
  description: 'The old secret keeps signing beside the new one (two signatures) for 24 hours.',
  security: 'integration',
  params: EndpointParams,
  responses: {
    200: { description: 'The new secret, once.', schema: WithSecret },
    ...integrationAuth,
    403: forbidden,
    404: err('No such endpoint (`not_found`).'),
  },
};

function assertUnscoped(identity: IntegrationIdentity) {
  if (identity.tenantId !== null)
    throw new HttpError(403, 'forbidden', 'a tenant-scoped integration key cannot change endpoints');
}

/** The vendor's endpoints for signed events: register, list, disable, rotate the secret. */
export function vendorEndpointRoutes(deps: {
  db: Database;
  secrets: SecretBox;
  vendorEndpointAllowHosts?: readonly string[];
  callbackResolve?: Resolver;
}): Router {
  const router = Router();
  const endpoints = vendorEndpointsRepository(deps.db, deps.secrets);
  const live = async (id: string) => {
    const row = await endpoints.find(id);
    if (!row || row.disabledAt) throw new HttpError(404, 'not_found', `no endpoint ${id}`);
    return row;
  };

  route(
    router,
    listRoute,
    handle(async (req, res) => {
      const q = parseInput(ListQuery, req.query, 'query');
      const rows = (await endpoints.list(integrationOf(res).tenantId)).filter(
        (r) => !q.cursor || r.id > q.cursor,
      );
      rows.sort((a, b) => (a.id < b.id ? -1 : 1));
      const page = rows.slice(0, q.limit);
      res.json({
        data: page.map(endpointView),
        next_cursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
      });
    }),
  );

  route(
    router,
    createRoute,
    handle(async (req, res) => {
      assertUnscoped(integrationOf(res));
      const body = parseInput(CreateEndpointBody, req.body ?? {});
      const url = await checkEndpointUrl(body.url, {
        allowHosts: deps.vendorEndpointAllowHosts ?? [],
        ...(deps.callbackResolve ? { resolve: deps.callbackResolve } : {}),
      });
      if (body.tenant_id && !(await tenantExists(deps.db, body.tenant_id)))
        throw new ServiceError('invalid', `no tenant ${body.tenant_id}`, 'tenant_id');
      const { row, secret } = await endpoints.create({
        tenantId: body.tenant_id ?? null,
        url: url.toString(),
        eventTypes: [...new Set(body.event_types ?? [])],
      });
      res.status(201).json({ ...endpointView(row), secret });
    }),
  );

  route(
    router,
    deleteRoute,
    handle(async (req, res) => {
      assertUnscoped(integrationOf(res));
      const id = String(req.params.endpoint_id);
      const row = await endpoints.find(id);
      if (!row) throw new HttpError(404, 'not_found', `no endpoint ${id}`);
      res.json(endpointView(row.disabledAt ? row : await endpoints.disable(id, new Date())));
    }),
  );

  route(
    router,
    rotateRoute,
    handle(async (req, res) => {
      assertUnscoped(integrationOf(res));
      const row = await live(String(req.params.endpoint_id));
      const rotated = await endpoints.rotate(row.id, new Date());
      res.json({ ...endpointView(rotated.row), secret: rotated.secret });
    }),
  );
  return router;
}
