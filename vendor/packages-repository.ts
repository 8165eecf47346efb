import type { Database, Prisma } from '../db/client.js';

type Tx = Prisma.TransactionClient;

/** vendor_packages, their versions and tenants' enabling: the only module that queries them. */
export function vendorPackagesRepository(db: Database) {
  return {
    db,
    find: (id: string, tx: Tx = db) => tx.vendorPackage.findUnique({ where: { id } }),

    version: (packageId: string, version: number, tx: Tx = db) =>
      tx.vendorPackageVersion.findUnique({ where: { packageId_version: { packageId, version } } }),

    /** A package with its current version's row. */
    async withCurrent(id: string) {
      const pkg = await db.vendorPackage.findUnique({ where: { id } });
      if (!pkg) return null;
      const version = await db.vendorPackageVersion.findUniqueOrThrow({
        where: { packageId_version: { packageId: id, version: pkg.currentVersion } },
      });
      return { pkg, version };
    },

    /** Packages after `afterId`, by id, with their current versions. */
    async list({ afterId, take, ids }: { afterId?: string; take: number; ids?: string[] }) {
      const packages = await db.vendorPackage.findMany({
        where: {
          ...(afterId ? { id: { gt: afterId } } : {}),
          ...(ids ? { id: { in: ids } } : {}),
        },
        orderBy: { id: 'asc' },
        take,
      });
      const versions = await db.vendorPackageVersion.findMany({
        where: { OR: packages.map((p) => ({ packageId: p.id, version: p.currentVersion })) },
      });
      return packages.map((pkg) => ({
        pkg,
        version: versions.find((v) => v.packageId === pkg.id && v.version === pkg.currentVersion)!,
      }));
    },

    transaction: <T>(run: (tx: Tx) => Promise<T>) => db.$transaction(run),

    // ---- tenants' enabling ----

    tenantPackage: (tenantId: string, packageId: string) =>
      db.tenantVendorPackage.findUnique({ where: { tenantId_packageId: { tenantId, packageId } } }),

    tenantPackages: (tenantId: string, { enabledOnly = false } = {}) =>
      db.tenantVendorPackage.findMany({
        where: { tenantId, ...(enabledOnly ? { enabled: true } : {}) },
        include: { package: true },
        orderBy: { packageId: 'asc' },
      }),

    upsertTenantPackage: (data: {
      tenantId: string;
      packageId: string;
      enabled: boolean;
      inviteDelivery: 'greenroom' | 'vendor';
      enabledBy: string;
    }) =>
      db.tenantVendorPackage.upsert({
        where: { tenantId_packageId: { tenantId: data.tenantId, packageId: data.packageId } },
        create: data,
        update: { enabled: data.enabled, inviteDelivery: data.inviteDelivery, enabledBy: data.enabledBy },
      }),

    /** Whether the tenant's built-in catalogue holds this id (a package may not take it). */
    builtInTestExists: async (tenantId: string, testId: string) =>
      (await db.assessmentTest.count({ where: { tenantId, testId } })) > 0,

    attributeMappings: (tenantId: string, packageId: string) =>
      db.vendorAttributeMapping.findMany({ where: { tenantId, packageId }, orderBy: { attribute: 'asc' } }),

    replaceAttributeMappings: (
      tenantId: string,
      packageId: string,
      rows: Omit<Prisma.VendorAttributeMappingCreateManyInput, 'tenantId' | 'packageId'>[],
    ) =>
      db.$transaction([
        db.vendorAttributeMapping.deleteMany({ where: { tenantId, packageId } }),
        db.vendorAttributeMapping.createMany({ data: rows.map((r) => ({ ...r, tenantId, packageId })) }),
      ]),
  };
}

export type VendorPackagesRepository = ReturnType<typeof vendorPackagesRepository>;
