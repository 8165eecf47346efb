import type { Database } from '../../db/client.js';
import type { VendorPackageDefinition } from '../../domain/vendor/package.js';

/** One pinned version of a vendor package, as stored when the vendor synced it. */
export async function loadPackageVersion(db: Database, packageId: string, version: number) {
  const row = await db.vendorPackageVersion.findUnique({
    where: { packageId_version: { packageId, version } },
  });
  if (!row) throw new Error(`vendor package ${packageId} has no version ${version}`);
  // Stored versions were validated when written and are immutable.
  return row.definition as unknown as VendorPackageDefinition;
}

/**
 * The catalogue entry of a vendor order's pinned package (kind vendor_hosted), or null when the
 * journey is no order: the write-back asks this before the tenant's own catalogue.
 */
export async function vendorOrderEntry(db: Database, journeyId: string) {
  const order = await db.vendorOrder.findUnique({ where: { journeyId } });
  if (!order) return null;
  const definition = await loadPackageVersion(db, order.packageId, order.packageVersion);
  return { kind: 'vendor_hosted' as const, name: definition.name, definition };
}
