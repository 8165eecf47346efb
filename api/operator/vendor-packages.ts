import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { GreenhouseId } from '../../tenants/schemas.js';
import type { VendorPackageDefinition } from '../../domain/vendor/package.js';
import { tenantExists } from '../../tenants/tenants-repository.js';
import type { ConnectionService } from '../../tenants/connection-service.js';
import { vendorPackagesRepository } from '../../vendor/packages-repository.js';
import { PackageId } from '../../vendor/packages-service.js';
import { handle, parseInput } from '../http-errors.js';
import { err, greenhouseDown, invalidInput, notConnected, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { operatorOf } from './identity.js';
import { operatorAction, pathTenant } from './operator-action.js';

const tenantId = z.string().min(1);
const Params = z.object({ tenantId, packageId: PackageId });
export const EnableVendorPackageBody = z.strictObject({
  enabled: z.boolean(),
  invite_delivery: z.enum(['greenroom', 'vendor']).default('greenroom'),
});
export const AttributeMappingsBody = z.strictObject({
  mappings: z
    .array(
      z.strictObject({
        attribute: z.string().min(1).max(64),
        scope: z.enum(['application', 'candidate']),
        custom_field_id: GreenhouseId,
      }),
    )
    .max(50)
    .refine((l) => new Set(l.map((m) => m.attribute)).size === l.length, 'each attribute at most once'),
});

const TenantPackageView = z.object({
  tenant_id: z.string(),
  package_id: z.string(),
  name: z.string(),
  kind: z.enum(['assessment', 'reference_check']),
  current_version: z.number().int(),
  enabled: z.boolean(),
  invite_delivery: z.enum(['greenroom', 'vendor']),
  enabled_by: z.string(),
  updated_at: z.iso.datetime({ offset: true }),
});
const MappingView = z.object({
  attribute: z.string(),
  scope: z.enum(['application', 'candidate']),
  custom_field_id: z.string(),
  value_type: z.string(),
  field_name: z.string(),
});

const tag = 'operator: vendor packages';
const noSuch = err('No such tenant or package (`not_found`).');
const putRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/vendor-packages/:packageId',
  tag,
  summary: 'Enable (or disable) a vendor package for a tenant',
  description:
    'Enabled, the package is in the tenant’s list_tests and every trigger can start an order of it. ' +
    'Disabled, running orders keep their pinned version. Admin only; audited.',
  security: 'operator',
  params: Params,
  body: { schema: EnableVendorPackageBody },
  responses: {
    200: { description: 'The tenant’s package now.', schema: TenantPackageView },
    400: invalidInput,
    ...operatorAuth,
    404: noSuch,
    409: err('The tenant has a built-in test with this id (`conflict`).'),
  },
};
const listRoute: RouteSpec = {
  method: 'get',
  path: '/tenants/:tenantId/vendor-packages',
  tag,
  summary: 'A tenant’s vendor packages',
  security: 'operator',
  params: z.object({ tenantId }),
  responses: {
    200: { description: 'Enabled and disabled, by id.', schema: z.array(TenantPackageView) },
    ...operatorAuth,
    404: err('No such tenant (`not_found`).'),
  },
};
const putMappingsRoute: RouteSpec = {
  method: 'put',
  path: '/tenants/:tenantId/vendor-packages/:packageId/attribute-mappings',
  tag,
  summary: 'Map a package’s result attributes to Greenhouse custom fields',
  description: 'Replaces the package’s mappings for the tenant. Admin only; audited.',
  security: 'operator',
  params: Params,
  body: { schema: AttributeMappingsBody },
  responses: {
    200: { description: 'The mappings now.', schema: z.object({ mappings: z.array(MappingView) }) },
    400: invalidInput,
    ...operatorAuth,
    404: noSuch,
    409: notConnected,
    422: err('An attribute the package does not declare, or no such custom field (`error.field`).'),
    502: greenhouseDown,
  },
};

type TenantPackageRow = Awaited<
  ReturnType<ReturnType<typeof vendorPackagesRepository>['tenantPackages']>
>[number];
const toView = (t: TenantPackageRow): z.infer<typeof TenantPackageView> => ({
  tenant_id: t.tenantId,
  package_id: t.packageId,
  name: t.package.name,
  kind: t.package.kind,
  current_version: t.package.currentVersion,
  enabled: t.enabled,
  invite_delivery: t.inviteDelivery,
  enabled_by: t.enabledBy,
  updated_at: t.updatedAt.toISOString(),
});

/** Operators enable the vendor's packages per tenant and map their result attributes. */
export function vendorPackageOperatorRoutes({
  db,
  connections,
}: {
  db: Database;
  connections: Pick<ConnectionService, 'listCustomFields'>;
}): Router {
  const router = Router();
  const packages = vendorPackagesRepository(db);

  async function requireTenantAndPackage(tenant: string, packageId: string) {
    if (!(await tenantExists(db, tenant))) throw new ServiceError('not_found', `no tenant ${tenant}`);
    const found = await packages.withCurrent(packageId);
    if (!found) throw new ServiceError('not_found', `no vendor package ${packageId}`, 'packageId');
    return found;
  }

  route(
    router,
    putRoute,
    handle(async (req, res) => {
      const { tenantId: tenant, packageId } = parseInput(Params, req.params, 'path');
      const operator = operatorOf(res);
      const row = await operatorAction(
        db,
        res,
        { action: 'vendor-packages.enable', role: 'admin', tenantId: tenant, detail: { packageId } },
        async () => {
          const body = parseInput(EnableVendorPackageBody, req.body ?? {});
          await requireTenantAndPackage(tenant, packageId);
          // list_tests and journeys know an id as one thing: a built-in test's id stays the test's.
          if (await packages.builtInTestExists(tenant, packageId))
            throw new ServiceError(
              'conflict',
              `tenant ${tenant} has a built-in test ${packageId}; the package cannot take its id`,
              'packageId',
            );
          await packages.upsertTenantPackage({
            tenantId: tenant,
            packageId,
            enabled: body.enabled,
            inviteDelivery: body.invite_delivery,
            enabledBy: operator.name,
          });
          return (await packages.tenantPackages(tenant)).find((t) => t.packageId === packageId)!;
        },
        (t) => ({ enabled: t.enabled, inviteDelivery: t.inviteDelivery }),
      );
      res.json(toView(row));
    }),
  );

  route(
    router,
    listRoute,
    handle(async (req, res) => {
      const tenant = pathTenant(req, res, 'support');
      if (!(await tenantExists(db, tenant))) throw new ServiceError('not_found', `no tenant ${tenant}`);
      res.json((await packages.tenantPackages(tenant)).map(toView));
    }),
  );

  route(
    router,
    putMappingsRoute,
    handle(async (req, res) => {
      const { tenantId: tenant, packageId } = parseInput(Params, req.params, 'path');
      const rows = await operatorAction(
        db,
        res,
        {
          action: 'vendor-packages.attribute-mappings',
          role: 'admin',
          tenantId: tenant,
          detail: { packageId },
        },
        async () => {
          const body = parseInput(AttributeMappingsBody, req.body ?? {});
          const { version } = await requireTenantAndPackage(tenant, packageId);
          if (!(await packages.tenantPackage(tenant, packageId)))
            throw new ServiceError(
              'not_found',
              `package ${packageId} is not enabled for tenant ${tenant}`,
              'packageId',
            );
          const declared = (version.definition as unknown as VendorPackageDefinition).result.attributes;
          body.mappings.forEach((m, i) => {
            if (!declared.some((a) => a.key === m.attribute))
              throw new ServiceError(
                'invalid',
                `package ${packageId} declares no attribute ${m.attribute}`,
                `mappings.${i}.attribute`,
              );
          });
          const fields = body.mappings.length ? await connections.listCustomFields(tenant) : null;
          const mapped = body.mappings.map((m, i) => {
            const field = fields?.[m.scope]?.find((f) => f.id === m.custom_field_id);
            if (!field)
              throw new ServiceError(
                'invalid',
                `no ${m.scope} custom field ${m.custom_field_id} in Greenhouse`,
                `mappings.${i}.custom_field_id`,
              );
            return {
              attribute: m.attribute,
              scope: m.scope,
              customFieldId: m.custom_field_id,
              valueType: field.valueType,
              fieldName: field.name,
            };
          });
          await packages.replaceAttributeMappings(tenant, packageId, mapped);
          return mapped;
        },
        (r) => ({ mappings: r.length }),
      );
      res.json({
        mappings: rows.map((r) => ({
          attribute: r.attribute,
          scope: r.scope,
          custom_field_id: r.customFieldId,
          value_type: r.valueType,
          field_name: r.fieldName,
        })),
      });
    }),
  );
  return router;
}
