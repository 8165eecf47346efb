import { z } from 'zod';

/** A result attribute a package declares: operators map it to a Greenhouse custom field. */
export const ResultAttribute = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be lower_snake_case, at most 64 characters'),
  label: z.string().trim().min(1).max(200),
  type: z.enum(['string', 'number', 'boolean', 'date']),
});
export type ResultAttribute = z.infer<typeof ResultAttribute>;

/** What a package reports: the score's range, the pass mark, typed attributes. */
export const ResultSpec = z
  .strictObject({
    score: z.strictObject({ min: z.number(), max: z.number() }).nullable(),
    passMark: z.number().nullable(),
    attributes: z.array(ResultAttribute).max(50),
  })
  .refine((r) => !r.score || r.score.min < r.score.max, {
    message: 'score.min must be below score.max',
    path: ['score'],
  })
  .refine((r) => r.passMark === null || (r.score && r.passMark >= r.score.min && r.passMark <= r.score.max), {
    message: 'passMark needs a score range and must lie within it',
    path: ['passMark'],
  })
  .refine((r) => new Set(r.attributes.map((a) => a.key)).size === r.attributes.length, {
    message: 'attribute keys must be unique',
    path: ['attributes'],
  });
export type ResultSpec = z.infer<typeof ResultSpec>;

/**
 * One version of a vendor-hosted package as the catalogue stores it (vendor_package_versions.definition)
 * and journeys pin it. `kind: 'vendor_hosted'` tells it from built-in definitions; `packageKind` says what
 * the vendor's product runs (a test or a reference check).
 */
export const VendorPackageDefinition = z.strictObject({
  kind: z.literal('vendor_hosted'),
  packageId: z.string().min(1).max(100),
  packageKind: z.enum(['assessment', 'reference_check']),
  name: z.string().trim().min(1).max(200),
  /** Where greenroom's launch page sends the candidate, with a signed assertion. */
  launchUrl: z.url(),
  deadlineDays: z.number().int().min(1).max(90),
  /** Days after the invite on which greenroom reminds the candidate (greenroom delivery only). */
  reminders: z.array(z.number().int().min(1).max(90)).max(5),
  result: ResultSpec,
});
export type VendorPackageDefinition = z.infer<typeof VendorPackageDefinition>;

/** The result a vendor put for an order, as accepted and stored (vendor_orders.result). */
export interface AcceptedVendorResult {
  status: 'completed' | 'expired' | 'cancelled' | 'declined';
  score: number | null;
  passed: boolean | null;
  sections: { name: string; score: number | null; max_score: number | null }[];
  attributes: Record<string, string | number | boolean>;
  started_at: string | null;
  completed_at: string | null;
  /** Reference checks: how many referees were asked and answered. */
  referees: { requested: number; completed: number } | null;
  /** Whether a report PDF is stored for the order (reports table, keyed by the journey id). */
  report: boolean;
}
