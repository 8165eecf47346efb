import type { Database } from '../../db/client.js';
import type { AcceptedVendorResult } from '../../domain/vendor/package.js';

/** A value as the Greenhouse field's type wants it (yes_no takes a boolean, number a number). */
function asFieldValue(value: string | number | boolean, valueType: string): unknown {
  if (valueType === 'yes_no') return typeof value === 'boolean' ? value : String(value) === 'true';
  if (valueType === 'number') return typeof value === 'number' ? value : Number(value);
  return typeof value === 'boolean' ? (value ? 'Yes' : 'No') : String(value);
}

/**
 * The Greenhouse custom-field values of a vendor order's accepted attributes, by the tenant's
 * mappings for the package; empty for a journey that is no order or reported no mapped attribute.
 */
export async function vendorAttributeValues(
  db: Database,
  journeyId: string,
): Promise<{ scope: string; id: number; value: unknown }[]> {
  const order = await db.vendorOrder.findUnique({ where: { journeyId } });
  const result = order?.result as AcceptedVendorResult | null | undefined;
  if (!order || !result) return [];
  const mappings = await db.vendorAttributeMapping.findMany({
    where: { tenantId: order.tenantId, packageId: order.packageId },
  });
  return mappings
    .filter((m) => result.attributes[m.attribute] !== undefined)
    .map((m) => ({
      scope: m.scope,
      id: Number(m.customFieldId),
      value: asFieldValue(result.attributes[m.attribute]!, m.valueType),
    }));
}
