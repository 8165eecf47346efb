import { z } from 'zod';
import { parseGreenhouseProfileUrl } from './profile-url.js';

/**
 * The Assessment Partner API bodies (greenhouse.md §2), both directions. Objects strip unknown
 * fields instead of refusing them: Greenhouse may add fields at any time.
 */

/** Our status vocabulary. Greenhouse shows any text to the recruiter but acts only on `complete`. */
export const PARTNER_STATUSES = [
  'sent',
  'in_progress',
  'awaiting_grading',
  'complete',
  'expired',
  'cancelled',
] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];
export const PartnerStatusSchema = z.enum(PARTNER_STATUSES);

const nonEmpty = z.string().trim().min(1);
/** Absent and null mean the same for optional Greenhouse fields; normalise to null. */
const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
const httpUrl = nonEmpty.refine(isHttpUrl, { message: 'must be an http(s) URL' });

// ---- send_test (Greenhouse → us) ----

export const SendTestCandidateSchema = z.object({
  first_name: z.string(),
  last_name: z.string(),
  preferred_name: optionalText,
  email: nonEmpty,
  phone_number: optionalText,
  /** expires 7 days after the call: fetch it early or not at all */
  resume_url: optionalText,
  greenhouse_profile_url: z.string().superRefine((v, ctx) => {
    const r = parseGreenhouseProfileUrl(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
  }),
});

export const SendTestRequestSchema = z.object({
  partner_test_id: nonEmpty,
  candidate: SendTestCandidateSchema,
  /** e-mail of the Greenhouse user who clicked Send test */
  sent_by: optionalText,
  /** the completion callback: we PATCH it when the result is ready */
  url: httpUrl,
});
export type SendTestRequest = z.infer<typeof SendTestRequestSchema>;

export const SendTestResponseSchema = z.object({ partner_interview_id: nonEmpty });
export type SendTestResponse = z.infer<typeof SendTestResponseSchema>;

// ---- list_tests (our answer) ----

export const PartnerTestSchema = z.object({ partner_test_id: nonEmpty, partner_test_name: nonEmpty });
export type PartnerTest = z.infer<typeof PartnerTestSchema>;

/** Ids must be stable and unique: Greenhouse stores them on job stages. */
export const ListTestsResponseSchema = z.array(PartnerTestSchema).superRefine((tests, ctx) => {
  const seen = new Set<string>();
  tests.forEach((t, i) => {
    if (seen.has(t.partner_test_id)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'partner_test_id'],
        message: `duplicate partner_test_id "${t.partner_test_id}"`,
      });
    }
    seen.add(t.partner_test_id);
  });
});
export type ListTestsResponse = z.infer<typeof ListTestsResponseSchema>;

// ---- test_status (our answer) ----

/** JSON primitives only: Greenhouse refuses nested metadata (zod 4 numbers already refuse NaN/Infinity). */
export const MetadataValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'metadata values must be strings, numbers, booleans or null (a flat object)',
});
export const MetadataSchema = z.record(z.string(), MetadataValueSchema);
export type Metadata = z.infer<typeof MetadataSchema>;

export const TestStatusResponseSchema = z
  .object({
    /** free text for Greenhouse; only exactly `complete` ends the test */
    partner_status: nonEmpty,
    partner_profile_url: httpUrl.nullish(),
    partner_score: z.number().nullish(),
    metadata: MetadataSchema.nullish(),
  })
  .superRefine((b, ctx) => {
    if (b.partner_status === 'complete' && !b.partner_profile_url) {
      ctx.addIssue({
        code: 'custom',
        path: ['partner_profile_url'],
        message: "partner_status is 'complete' but partner_profile_url is missing",
      });
    }
  });
export type TestStatusResponse = z.infer<typeof TestStatusResponseSchema>;

// ---- response_error (Greenhouse → us: it rejected one of our answers) ----

export const ResponseErrorRequestSchema = z.object({
  /** `list_tests`, `send_test` or `test_status`; kept as text in case Greenhouse adds calls */
  api_call: nonEmpty,
  errors: z.array(z.string()),
  partner_test_id: optionalText,
  partner_test_name: optionalText,
  partner_interview_id: optionalText,
  candidate_email: optionalText,
});
export type ResponseErrorRequest = z.infer<typeof ResponseErrorRequestSchema>;

/** What we answer to response_error (Greenhouse's example body). */
export const ResponseErrorResponseSchema = z.object({ status: z.number().int() });
export const RESPONSE_ERROR_ACK = { status: 200 } as const;
