import { z } from 'zod';
import type { AcceptedVendorResult, VendorPackageDefinition } from './package.js';

/** The body of PUT /vendor/v1/orders/{id}/result (snake_case, as the vendor sends it). */
export const VendorResultInput = z.strictObject({
  status: z.enum(['completed', 'expired', 'cancelled', 'declined']),
  score: z.number().finite().optional(),
  passed: z.boolean().optional(),
  sections: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(200),
        score: z.number().finite().nullable().optional(),
        max_score: z.number().finite().nullable().optional(),
      }),
    )
    .max(50)
    .optional(),
  attributes: z
    .record(z.string(), z.union([z.string().max(2000), z.number().finite(), z.boolean()]))
    .optional(),
  started_at: z.iso.datetime({ offset: true }).optional(),
  completed_at: z.iso.datetime({ offset: true }).optional(),
  referees: z
    .strictObject({
      requested: z.number().int().min(0).max(100),
      completed: z.number().int().min(0).max(100),
    })
    .optional(),
  report_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
});
export type VendorResultInput = z.infer<typeof VendorResultInput>;

export class ResultFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Which packages report referee counts (reference checks do, tests do not). */
const reportsReferees: Record<VendorPackageDefinition['packageKind'], boolean> = {
  assessment: false,
  reference_check: true,
};

const fail = (field: string, message: string): never => {
  throw new ResultFieldError(field, message);
};

/**
 * Checks a vendor's result against the pinned package version's declared result fields and
 * answers it as stored. Throws ResultFieldError naming the first wrong field.
 */
export function acceptVendorResult(
  input: unknown,
  pkg: Pick<VendorPackageDefinition, 'packageKind' | 'result'>,
  hasReport: boolean,
): AcceptedVendorResult {
  const parsed = VendorResultInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(issue.path.length ? issue.path.join('.') : 'body', issue.message);
  }
  const r = parsed.data!;
  const spec = pkg.result;
  const completed = r.status === 'completed';
  if (r.score !== undefined) {
    if (!spec.score) fail('score', 'this package declares no score');
    else if (r.score < spec.score.min || r.score > spec.score.max)
      fail('score', `must lie within ${spec.score.min}..${spec.score.max}`);
  } else if (completed && spec.score) fail('score', 'a completed result of this package needs a score');
  for (const [key, value] of Object.entries(r.attributes ?? {})) {
    const declared = spec.attributes.find((a) => a.key === key);
    if (!declared) fail(`attributes.${key}`, 'this package declares no such attribute');
    const type = declared!.type;
    const ok =
      type === 'date'
        ? typeof value === 'string' && !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value)
        : typeof value === type;
    if (!ok) fail(`attributes.${key}`, `must be a ${type}`);
  }
  if (reportsReferees[pkg.packageKind]) {
    if (completed && !r.referees) fail('referees', 'a completed reference check needs the referee counts');
    if (r.referees && r.referees.completed > r.referees.requested)
      fail('referees.completed', 'cannot exceed referees.requested');
    // A reference check informs a person; it never decides (no stage move on it).
    if (r.passed !== undefined) fail('passed', 'a reference check reports no pass/fail');
  } else if (r.referees) fail('referees', 'only reference-check packages report referees');
  if (r.started_at && r.completed_at && Date.parse(r.completed_at) < Date.parse(r.started_at))
    fail('completed_at', 'must not be before started_at');
  const derived = r.score !== undefined && spec.passMark !== null ? r.score >= spec.passMark : null;
  return {
    status: r.status,
    score: r.score ?? null,
    passed: r.passed ?? derived,
    sections: (r.sections ?? []).map((s) => ({
      name: s.name,
      score: s.score ?? null,
      max_score: s.max_score ?? null,
    })),
    attributes: r.attributes ?? {},
    started_at: r.started_at ?? null,
    completed_at: r.completed_at ?? null,
    referees: r.referees ?? null,
    report: hasReport,
  };
}

/** The score as a percentage of the package's range (the read model's score), or null. */
export function scorePercentOf(result: AcceptedVendorResult, pkg: Pick<VendorPackageDefinition, 'result'>) {
  const range = pkg.result.score;
  if (result.score === null || !range) return null;
  return Math.round(((result.score - range.min) / (range.max - range.min)) * 1000) / 10;
}
