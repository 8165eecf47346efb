import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { ConnectionService } from '../../tenants/connection-service.js';
import {
  ActivateModeBody,
  AuditUserBody,
  ConnectGreenhouseBody,
  CreateTenantBody,
  CustomFieldMappingsBody,
  IntegrationModeParam,
  JobTestMappingsBody,
  StageTestMappingsBody,
  StartAuthorizationBody,
  TenantSettingsBody,
} from '../../tenants/schemas.js';
import { handle, HttpError, parseInput } from '../http-errors.js';
import { operatorOf } from './identity.js';
import { operatorAction, pathTenant, tenantAdminAction, tenantAdminWrites } from './operator-action.js';
import {
  err,
  invalidInput,
  operatorAuth,
  noTenant,
  notConnected,
  greenhouseRefused,
  greenhouseDown,
  TenantParams,
  TenantModeParams,
} from '../openapi/common.js';
import { component, type RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';
import { listTenantsById } from '../../tenants/tenants-repository.js';

component(ConnectGreenhouseBody, 'ConnectGreenhouseBody');

const postTenantsRoute: RouteSpec = {
  method: 'post',
  path: '/tenants',
  tag: 'operator: tenants',
  summary: 'Create a tenant',
  security: 'operator',
  body: { schema: CreateTenantBody },
  responses: {
    201: { description: 'Created.', schema: R.TenantSummary },
    400: invalidInput,
    ...operatorAuth,
    409: err('The slug is used by another tenant.'),
  },
};
const getTenantsRoute: RouteSpec = {
  method: 'get',
  path: '/tenants',
  tag: 'operator: tenants',
  summary: 'List tenants',
  security: 'operator',
  query: z.object({ slug: CreateTenantBody.shape.slug.optional() }),
  responses: {
    200: { description: 'Up to 500 tenants, oldest first.', schema: R.TenantList },
    400: invalidInput,
    ...operatorAuth,
  },
};
const getTenantsTenantIdRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId',
  tag: 'operator: tenants',
  summary: 'Describe a tenant',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: { description: 'The tenant; no secret.', schema: R.TenantDescription },
    ...operatorAuth,
    404: noTenant,
  },
};
const putTenantsTenantIdSettingsRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/settings',
  tag: 'operator: tenants',
  summary: 'Update mail branding, report visibility or the default grader',
  security: 'operator',
  params: TenantParams,
  body: { schema: TenantSettingsBody },
  responses: {
    200: { description: 'The settings now.', schema: R.TenantSettingsResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
  },
};
const putTenantsTenantIdGreenhouseRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/greenhouse',
  tag: 'operator: connections',
  summary: 'Connect Greenhouse with a credential',
  description:
    'Harvest v3 client credentials or a v1 key; proved against Greenhouse before it is stored (encrypted).',
  security: 'operator',
  params: TenantParams,
  body: { schema: ConnectGreenhouseBody },
  responses: {
    200: { description: 'Connected.', schema: R.ConnectGreenhouseResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
    422: greenhouseRefused,
    502: greenhouseDown,
  },
};
const postTenantsTenantIdGreenhouseAuthorizationRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/greenhouse/authorization',
  tag: 'operator: connections',
  summary: 'Start the v3 authorization-code flow',
  description:
    'Returns the Greenhouse consent URL for the customer’s admin; the callback completes the connection.',
  security: 'operator',
  params: TenantParams,
  body: { schema: StartAuthorizationBody },
  responses: {
    201: { description: 'The consent URL.', schema: R.StartAuthorizationResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
  },
};
const postTenantsTenantIdGreenhousePermissionCheckRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/greenhouse/permission-check',
  tag: 'operator: connections',
  summary: 'Check the credential’s permissions',
  description: 'Calls each Harvest endpoint the enabled modes need once; stores and returns the report.',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: { description: 'The report.', schema: R.PermissionCheckResponse },
    ...operatorAuth,
    404: noTenant,
    409: notConnected,
    422: greenhouseRefused,
    502: greenhouseDown,
  },
};
const getTenantsTenantIdGreenhouseUsersRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/greenhouse/users',
  tag: 'operator: connections',
  summary: 'List Greenhouse users',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: { description: 'The users (candidates for the audit user).', schema: R.GreenhouseUserList },
    ...operatorAuth,
    404: noTenant,
    409: notConnected,
    422: greenhouseRefused,
    502: greenhouseDown,
  },
};
const putTenantsTenantIdGreenhouseAuditUserRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/greenhouse/audit-user',
  tag: 'operator: connections',
  summary: 'Choose the audit user',
  description: 'The Greenhouse user our writes are made as (On-Behalf-Of for v1, `sub` for v3).',
  security: 'operator',
  params: TenantParams,
  body: { schema: AuditUserBody },
  responses: {
    200: { description: 'Saved, with warnings.', schema: R.AuditUserResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
    409: notConnected,
    422: err('The user does not exist, is deactivated or is not a Site Admin (v3).'),
    502: greenhouseDown,
  },
};
const getTenantsTenantIdGreenhouseCustomFieldsRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/greenhouse/custom-fields',
  tag: 'operator: mappings',
  summary: 'List Greenhouse custom fields',
  security: 'operator',
  params: TenantParams,
  responses: {
    200: { description: 'Application and candidate custom fields.', schema: R.CustomFieldsResponse },
    ...operatorAuth,
    404: noTenant,
    409: notConnected,
    422: greenhouseRefused,
    502: greenhouseDown,
  },
};
const putTenantsTenantIdCustomFieldMappingsRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/custom-field-mappings',
  tag: 'operator: mappings',
  summary: 'Map result fields to custom fields',
  description: 'Replaces the mappings after checking each custom field can hold its value.',
  security: 'operator',
  params: TenantParams,
  body: { schema: CustomFieldMappingsBody },
  responses: {
    200: { description: 'The mappings now.', schema: R.CustomFieldMappingsResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
    409: notConnected,
    422: err('No such custom field, or it cannot hold the value (`error.field` names the mapping).'),
    502: greenhouseDown,
  },
};
const putTenantsTenantIdJobTestMappingsRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/job-test-mappings',
  tag: 'operator: mappings',
  summary: 'Map jobs to tests (vendor invites)',
  security: 'operator',
  params: TenantParams,
  body: { schema: JobTestMappingsBody },
  responses: {
    200: { description: 'The mappings now.', schema: R.JobTestMappingsResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
  },
};
const putTenantsTenantIdStageTestMappingsRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/stage-test-mappings',
  tag: 'operator: mappings',
  summary: 'Map job stages to tests (webhook trigger)',
  security: 'operator',
  params: TenantParams,
  body: { schema: StageTestMappingsBody },
  responses: {
    200: { description: 'The mappings now.', schema: R.StageTestMappingsResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
  },
};
const postTenantsTenantIdModesModeActivateRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/modes/:mode/activate',
  tag: 'operator: modes',
  summary: 'Activate an integration mode',
  description:
    'Issues the partner API key (greenhouse_invite) or webhook secret (webhook_trigger) on first activation or with `rotate`; shown once.',
  security: 'operator',
  params: TenantModeParams,
  body: { schema: ActivateModeBody, required: false },
  responses: {
    200: { description: 'Active; any key or secret issued now.', schema: R.ActivateModeResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
    409: err('The mode needs a working Greenhouse connection first (`precondition`).'),
    422: err('callbackCredential only applies to greenhouse_invite.'),
  },
};
const postTenantsTenantIdModesModeDeactivateRoute: RouteSpec = {
  method: 'post',
  path: '/tenants/:tenantId/modes/:mode/deactivate',
  tag: 'operator: modes',
  summary: 'Deactivate an integration mode',
  security: 'operator',
  params: TenantModeParams,
  responses: {
    200: { description: 'Inactive.', schema: R.DeactivateModeResponse },
    400: invalidInput,
    ...operatorAuth,
    404: noTenant,
  },
};

/**
 * Tenants and their Greenhouse connection, step by step (README "Connecting a customer"):
 * create → connect → check permissions → audit user → custom fields → job/stage mappings → modes.
 *
 * Rules: support may read the tenant list and a tenant (`GET /tenants`, `GET /tenants/:tenantId`);
 * everything else is set-up and admin only (403 for support), the Greenhouse look-ups (users,
 * custom fields) included: they act with the tenant's credentials and list Greenhouse users.
 * Creating a tenant needs an unscoped admin. A tenant-scoped key sees its tenant only: the list
 * holds just that tenant, any other `:tenantId` answers 404 as an unknown tenant would. Every write
 * is audited (tenants.create, tenants.settings, tenants.connect, tenants.authorize,
 * tenants.permission-check, tenants.audit-user, mappings.custom-fields, mappings.jobs,
 * mappings.stages, modes.activate, modes.deactivate): ids, kinds and counts, never a credential.
 */
export function tenantRoutes({ db, connections }: { db: Database; connections: ConnectionService }): Router {
  const router = Router();
  const setUpRoute = tenantAdminWrites(router, db);
  const count = (body: { mappings: unknown[] }) => ({ mappings: body.mappings.length });

  route(
    router,
    postTenantsRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const created = await operatorAction(
        db,
        res,
        { action: 'tenants.create', role: 'admin' },
        async () => {
          if (operator.tenantId !== null)
            throw new HttpError(403, 'forbidden', 'a tenant-scoped key cannot create tenants');
          return connections.createTenant(parseInput(CreateTenantBody, req.body ?? {}));
        },
        (tenant) => ({ tenantId: tenant.id, slug: tenant.slug }),
      );
      res.status(201).json(created);
    }),
  );
  route(
    router,
    getTenantsRoute,
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const { slug } = parseInput(
        z.object({ slug: CreateTenantBody.shape.slug.optional() }),
        req.query,
        'query',
      );
      if (operator.tenantId === null) return void res.json(await connections.listTenants({ slug }));
      res.json(await listTenantsById(db, operator.tenantId, slug));
    }),
  );
  route(
    router,
    getTenantsTenantIdRoute,
    handle(async (req, res) => {
      res.json(await connections.describeTenant(pathTenant(req, res)));
    }),
  );
  route(
    router,
    putTenantsTenantIdSettingsRoute,
    handle(async (req, res) => {
      let settings: string[] = [];
      res.json(
        await tenantAdminAction(
          db,
          req,
          res,
          'tenants.settings',
          (tenantId) => {
            const body = parseInput(TenantSettingsBody, req.body ?? {});
            settings = Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined);
            return connections.updateSettings(tenantId, body);
          },
          () => ({ settings }),
        ),
      );
    }),
  );
  setUpRoute(
    putTenantsTenantIdGreenhouseRoute,
    'tenants.connect',
    (tenantId, req) =>
      connections.connectGreenhouse(tenantId, parseInput(ConnectGreenhouseBody, req.body ?? {})),
    (result) => ({ authKind: result.authKind }),
  );
  route(
    router,
    postTenantsTenantIdGreenhouseAuthorizationRoute,
    handle(async (req, res) => {
      // The consent URL carries the state: it goes to the caller, not to the audit trail.
      const started = await tenantAdminAction(
        db,
        req,
        res,
        'tenants.authorize',
        (tenantId) =>
          connections.startAuthorization(tenantId, parseInput(StartAuthorizationBody, req.body ?? {})),
        (result) => ({ expiresAt: result.expiresAt }),
      );
      res.status(201).json(started);
    }),
  );
  setUpRoute(
    postTenantsTenantIdGreenhousePermissionCheckRoute,
    'tenants.permission-check',
    (tenantId) => connections.checkPermissions(tenantId),
    (report) => ({ checkedModes: report.checkedModes }),
  );
  route(
    router,
    getTenantsTenantIdGreenhouseUsersRoute,
    handle(async (req, res) => {
      const tenantId = pathTenant(req, res, 'admin');
      res.json(await connections.listUsers(tenantId));
    }),
  );
  setUpRoute(putTenantsTenantIdGreenhouseAuditUserRoute, 'tenants.audit-user', (tenantId, req) =>
    connections.setAuditUser(tenantId, parseInput(AuditUserBody, req.body ?? {}).userId),
  );
  route(
    router,
    getTenantsTenantIdGreenhouseCustomFieldsRoute,
    handle(async (req, res) => {
      const tenantId = pathTenant(req, res, 'admin');
      res.json(await connections.listCustomFields(tenantId));
    }),
  );
  route(
    router,
    putTenantsTenantIdCustomFieldMappingsRoute,
    handle(async (req, res) => {
      let mappings = 0;
      res.json(
        await tenantAdminAction(
          db,
          req,
          res,
          'mappings.custom-fields',
          (tenantId) => {
            const body = parseInput(CustomFieldMappingsBody, req.body ?? {});
            mappings = body.mappings.length;
            return connections.setCustomFieldMappings(tenantId, body);
          },
          () => ({ mappings }),
        ),
      );
    }),
  );
  setUpRoute(
    putTenantsTenantIdJobTestMappingsRoute,
    'mappings.jobs',
    (tenantId, req) =>
      connections.setJobTestMappings(tenantId, parseInput(JobTestMappingsBody, req.body ?? {})),
    count,
  );
  setUpRoute(
    putTenantsTenantIdStageTestMappingsRoute,
    'mappings.stages',
    (tenantId, req) =>
      connections.setStageTestMappings(tenantId, parseInput(StageTestMappingsBody, req.body ?? {})),
    count,
  );
  route(
    router,
    postTenantsTenantIdModesModeActivateRoute,
    handle(async (req, res) => {
      // Activation may return a new partner key or webhook secret: the caller sees it, the audit doesn't.
      let facts: Record<string, unknown> = {};
      res.json(
        await tenantAdminAction(
          db,
          req,
          res,
          'modes.activate',
          (tenantId) => {
            const mode = parseInput(IntegrationModeParam, req.params.mode, 'mode');
            const body = parseInput(ActivateModeBody, req.body ?? {});
            facts = { mode, rotate: body.rotate };
            return connections.activateMode(tenantId, mode, body);
          },
          () => facts,
        ),
      );
    }),
  );
  setUpRoute(
    postTenantsTenantIdModesModeDeactivateRoute,
    'modes.deactivate',
    (tenantId, req) =>
      connections.deactivateMode(tenantId, parseInput(IntegrationModeParam, req.params.mode, 'mode')),
    (result) => ({ mode: result.mode, changed: result.changed }),
  );
  return router;
}
