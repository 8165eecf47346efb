import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { vendorPackagesRepository } from '../../vendor/packages-repository.js';
import {
  createVendorPackagesService,
  PackageId,
  PackageView,
  PutPackageBody,
} from '../../vendor/packages-service.js';
import { cursorOr400, handle, parseInput } from '../http-errors.js';
import { err, invalidInput } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import { assertUnscoped, integrationAuth, integrationOf } from './auth.js';
import { page, pageOf, PageQuery } from './paging.js';
import { pageCursor } from '../../db/page-cursor.js';

const PackageParams = z.object({ package_id: PackageId });
const ListQuery = z.strictObject(PageQuery);
/** Packages by id: the last one's. */
const cursor = pageCursor(z.string());
const noPackage = err('No such package (or not enabled for the key’s tenant) (`not_found`).');

const putPackageRoute: RouteSpec = {
  method: 'put',
  path: '/packages/:package_id',
  tag: 'vendor: packages',
  summary: 'Create or update a package',
  description:
    'Same content as the current version: that version (200). Changed content: a new version (200); ' +
    'journeys keep the version they pinned. A new package: 201. Needs a key without tenant scope.',
  security: 'integration',
  params: PackageParams,
  body: { schema: PutPackageBody },
  responses: {
    200: { description: 'The package (same or bumped version).', schema: PackageView },
    201: { description: 'The package, version 1.', schema: PackageView },
    400: invalidInput,
    ...integrationAuth,
    409: err('The package exists as another kind, or is being changed concurrently (`conflict`).'),
  },
};
const getPackagesRoute: RouteSpec = {
  method: 'get',
  path: '/packages',
  tag: 'vendor: packages',
  summary: 'List packages',
  description: 'By id. A tenant-scoped key sees the packages enabled for its tenant.',
  security: 'integration',
  query: ListQuery,
  responses: {
    200: { description: 'A page of packages.', schema: pageOf(PackageView) },
    400: invalidInput,
    ...integrationAuth,
  },
};
const getPackageRoute: RouteSpec = {
  method: 'get',
  path: '/packages/:package_id',
  tag: 'vendor: packages',
  summary: 'One package (its current version)',
  security: 'integration',
  params: PackageParams,
  responses: {
    200: { description: 'The package.', schema: PackageView },
    400: invalidInput,
    ...integrationAuth,
    404: noPackage,
  },
};

/** The vendor's package catalogue (/vendor/v1/packages): synced by its product, versioned. */
export function vendorPackageRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const packages = vendorPackagesRepository(db);
  const service = createVendorPackagesService({ packages });
  /** A scoped key's reach: the packages its tenant has (enabled or not); null = every package. */
  const reach = async (tenantId: string | null) =>
    tenantId === null ? null : (await packages.tenantPackages(tenantId)).map((t) => t.packageId);

  route(
    router,
    putPackageRoute,
    handle(async (req, res) => {
      assertUnscoped(integrationOf(res), 'packages');
      const { package_id: id } = parseInput(PackageParams, req.params, 'package_id');
      const body = parseInput(PutPackageBody, req.body ?? {});
      const { view, created } = await service.put(id, body);
      res.status(created ? 201 : 200).json(view);
    }),
  );

  route(
    router,
    getPackagesRoute,
    handle(async (req, res) => {
      const q = parseInput(ListQuery, req.query, 'query');
      const afterId = q.cursor ? cursorOr400(cursor, q.cursor) : undefined;
      const ids = await reach(integrationOf(res).tenantId);
      const rows = await service.list({ afterId, limit: q.limit, ...(ids ? { ids } : {}) });
      res.json(page(rows, q.limit, cursor, (p) => p.id));
    }),
  );

  route(
    router,
    getPackageRoute,
    handle(async (req, res) => {
      const { package_id: id } = parseInput(PackageParams, req.params, 'package_id');
      const ids = await reach(integrationOf(res).tenantId);
      if (ids && !ids.includes(id)) throw new ServiceError('not_found', `no package ${id}`, 'package_id');
      res.json(await service.get(id));
    }),
  );
  return router;
}
