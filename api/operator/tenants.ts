import { Router } from 'express';
import { z } from 'zod';
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
import { handle, parseInput } from '../http-errors.js';

/**
 * Tenants and their Greenhouse connection, step by step (README "Connecting a customer"):
 * create → connect → check permissions → audit user → custom fields → job/stage mappings → modes.
 */
export function tenantRoutes({ connections }: { connections: ConnectionService }): Router {
  const router = Router();
  const tenantId = (params: Record<string, string | string[] | undefined>) => String(params.tenantId);

  router.post(
    '/tenants',
    handle(async (req, res) => {
      res.status(201).json(await connections.createTenant(parseInput(CreateTenantBody, req.body ?? {})));
    }),
  );
  router.get(
    '/tenants',
    handle(async (req, res) => {
      const { slug } = parseInput(
        z.object({ slug: CreateTenantBody.shape.slug.optional() }),
        req.query,
        'query',
      );
      res.json(await connections.listTenants({ slug }));
    }),
  );
  router.get(
    '/tenants/:tenantId',
    handle(async (req, res) => {
      res.json(await connections.describeTenant(tenantId(req.params)));
    }),
  );
  router.put(
    '/tenants/:tenantId/settings',
    handle(async (req, res) => {
      const body = parseInput(TenantSettingsBody, req.body ?? {});
      res.json(await connections.updateSettings(tenantId(req.params), body));
    }),
  );
  router.put(
    '/tenants/:tenantId/greenhouse',
    handle(async (req, res) => {
      const body = parseInput(ConnectGreenhouseBody, req.body ?? {});
      res.json(await connections.connectGreenhouse(tenantId(req.params), body));
    }),
  );
  router.post(
    '/tenants/:tenantId/greenhouse/authorization',
    handle(async (req, res) => {
      const body = parseInput(StartAuthorizationBody, req.body ?? {});
      res.status(201).json(await connections.startAuthorization(tenantId(req.params), body));
    }),
  );
  router.post(
    '/tenants/:tenantId/greenhouse/permission-check',
    handle(async (req, res) => {
      res.json(await connections.checkPermissions(tenantId(req.params)));
    }),
  );
  router.get(
    '/tenants/:tenantId/greenhouse/users',
    handle(async (req, res) => {
      res.json(await connections.listUsers(tenantId(req.params)));
    }),
  );
  router.put(
    '/tenants/:tenantId/greenhouse/audit-user',
    handle(async (req, res) => {
      const { userId } = parseInput(AuditUserBody, req.body ?? {});
      res.json(await connections.setAuditUser(tenantId(req.params), userId));
    }),
  );
  router.get(
    '/tenants/:tenantId/greenhouse/custom-fields',
    handle(async (req, res) => {
      res.json(await connections.listCustomFields(tenantId(req.params)));
    }),
  );
  router.put(
    '/tenants/:tenantId/custom-field-mappings',
    handle(async (req, res) => {
      const body = parseInput(CustomFieldMappingsBody, req.body ?? {});
      res.json(await connections.setCustomFieldMappings(tenantId(req.params), body));
    }),
  );
  router.put(
    '/tenants/:tenantId/job-test-mappings',
    handle(async (req, res) => {
      const body = parseInput(JobTestMappingsBody, req.body ?? {});
      res.json(await connections.setJobTestMappings(tenantId(req.params), body));
    }),
  );
  router.put(
    '/tenants/:tenantId/stage-test-mappings',
    handle(async (req, res) => {
      const body = parseInput(StageTestMappingsBody, req.body ?? {});
      res.json(await connections.setStageTestMappings(tenantId(req.params), body));
    }),
  );
  router.post(
    '/tenants/:tenantId/modes/:mode/activate',
    handle(async (req, res) => {
      const mode = parseInput(IntegrationModeParam, req.params.mode, 'mode');
      const body = parseInput(ActivateModeBody, req.body ?? {});
      res.json(await connections.activateMode(tenantId(req.params), mode, body));
    }),
  );
  router.post(
    '/tenants/:tenantId/modes/:mode/deactivate',
    handle(async (req, res) => {
      const mode = parseInput(IntegrationModeParam, req.params.mode, 'mode');
      res.json(await connections.deactivateMode(tenantId(req.params), mode));
    }),
  );
  return router;
}
