import { Router, type Request, type Response } from 'express';
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
import { assertRole, assertTenantAccess, operatorOf } from './identity.js';
import { operatorAction } from './operator-action.js';

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
  /** The path's tenant, once the operator may see it. */
  const scopedTenant = (req: Request, res: Response) => {
    const tenantId = String(req.params.tenantId);
    assertTenantAccess(operatorOf(res), tenantId);
    return tenantId;
  };
  /** An admin set-up write on the path's tenant: scope, role, audit. */
  const setUp = <T>(
    req: Request,
    res: Response,
    action: string,
    run: (tenantId: string) => Promise<T>,
    detail?: (result: T) => Record<string, unknown>,
  ) => {
    const tenantId = String(req.params.tenantId);
    return operatorAction(db, res, { action, role: 'admin', tenantId }, () => run(tenantId), detail);
  };
  const count = (body: { mappings: unknown[] }) => ({ mappings: body.mappings.length });

  router.post(
    '/tenants',
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
  router.get(
    '/tenants',
    handle(async (req, res) => {
      const operator = operatorOf(res);
      const { slug } = parseInput(
        z.object({ slug: CreateTenantBody.shape.slug.optional() }),
        req.query,
        'query',
      );
      if (operator.tenantId === null) return void res.json(await connections.listTenants({ slug }));
      res.json(
        await db.tenant.findMany({
          where: { id: operator.tenantId, ...(slug ? { slug } : {}) },
          select: { id: true, slug: true, name: true, status: true, createdAt: true },
        }),
      );
    }),
  );
  router.get(
    '/tenants/:tenantId',
    handle(async (req, res) => {
      res.json(await connections.describeTenant(scopedTenant(req, res)));
    }),
  );
  router.put(
    '/tenants/:tenantId/settings',
    handle(async (req, res) => {
      let settings: string[] = [];
      res.json(
        await setUp(
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
  router.put(
    '/tenants/:tenantId/greenhouse',
    handle(async (req, res) => {
      res.json(
        await setUp(
          req,
          res,
          'tenants.connect',
          (tenantId) =>
            connections.connectGreenhouse(tenantId, parseInput(ConnectGreenhouseBody, req.body ?? {})),
          (result) => ({ authKind: result.authKind }),
        ),
      );
    }),
  );
  router.post(
    '/tenants/:tenantId/greenhouse/authorization',
    handle(async (req, res) => {
      // The consent URL carries the state: it goes to the caller, not to the audit trail.
      const started = await setUp(
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
  router.post(
    '/tenants/:tenantId/greenhouse/permission-check',
    handle(async (req, res) => {
      res.json(
        await setUp(
          req,
          res,
          'tenants.permission-check',
          (tenantId) => connections.checkPermissions(tenantId),
          (report) => ({ checkedModes: report.checkedModes }),
        ),
      );
    }),
  );
  router.get(
    '/tenants/:tenantId/greenhouse/users',
    handle(async (req, res) => {
      const tenantId = scopedTenant(req, res);
      assertRole(operatorOf(res), 'admin');
      res.json(await connections.listUsers(tenantId));
    }),
  );
  router.put(
    '/tenants/:tenantId/greenhouse/audit-user',
    handle(async (req, res) => {
      res.json(
        await setUp(req, res, 'tenants.audit-user', (tenantId) =>
          connections.setAuditUser(tenantId, parseInput(AuditUserBody, req.body ?? {}).userId),
        ),
      );
    }),
  );
  router.get(
    '/tenants/:tenantId/greenhouse/custom-fields',
    handle(async (req, res) => {
      const tenantId = scopedTenant(req, res);
      assertRole(operatorOf(res), 'admin');
      res.json(await connections.listCustomFields(tenantId));
    }),
  );
  router.put(
    '/tenants/:tenantId/custom-field-mappings',
    handle(async (req, res) => {
      let mappings = 0;
      res.json(
        await setUp(
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
  router.put(
    '/tenants/:tenantId/job-test-mappings',
    handle(async (req, res) => {
      res.json(
        await setUp(
          req,
          res,
          'mappings.jobs',
          (tenantId) =>
            connections.setJobTestMappings(tenantId, parseInput(JobTestMappingsBody, req.body ?? {})),
          count,
        ),
      );
    }),
  );
  router.put(
    '/tenants/:tenantId/stage-test-mappings',
    handle(async (req, res) => {
      res.json(
        await setUp(
          req,
          res,
          'mappings.stages',
          (tenantId) =>
            connections.setStageTestMappings(tenantId, parseInput(StageTestMappingsBody, req.body ?? {})),
          count,
        ),
      );
    }),
  );
  router.post(
    '/tenants/:tenantId/modes/:mode/activate',
    handle(async (req, res) => {
      // Activation may return a new partner key or webhook secret: the caller sees it, the audit doesn't.
      let facts: Record<string, unknown> = {};
      res.json(
        await setUp(
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
  router.post(
    '/tenants/:tenantId/modes/:mode/deactivate',
    handle(async (req, res) => {
      res.json(
        await setUp(
          req,
          res,
          'modes.deactivate',
          (tenantId) =>
            connections.deactivateMode(tenantId, parseInput(IntegrationModeParam, req.params.mode, 'mode')),
          (result) => ({ mode: result.mode, changed: result.changed }),
        ),
      );
    }),
  );
  return router;
}
