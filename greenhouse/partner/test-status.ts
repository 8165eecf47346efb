import type { Metadata, PartnerStatus, TestStatusResponse } from './schemas.js';
import { PARTNER_STATUSES, TestStatusResponseSchema } from './schemas.js';

export interface TestStatusInput {
  status: PartnerStatus;
  /** required once `complete`: the page of the result on our platform */
  profileUrl?: string | null;
  score?: number | null;
  /** flat: string, number, boolean or null values only */
  metadata?: Metadata | null;
}

/** Our test_status answer would be refused by Greenhouse (it would call response_error). */
export class InvalidTestStatusError extends Error {
  override readonly name = 'InvalidTestStatusError';
  constructor(readonly problems: string[]) {
    super(`invalid test_status answer: ${problems.join('; ')}`);
  }
}

/**
 * Build the test_status body and check it as Greenhouse does before we send it: a malformed answer
 * is a bug on our side, better thrown here than reported back through response_error. Absent
 * optional values are omitted rather than sent as null.
 */
export function buildTestStatus(input: TestStatusInput): TestStatusResponse {
  const problems: string[] = [];
  // Callers outside TypeScript's reach (JSON from the database) can still pass any text.
  if (!(PARTNER_STATUSES as readonly string[]).includes(input.status)) {
    problems.push(`partner_status "${String(input.status)}" is not one of ${PARTNER_STATUSES.join(', ')}`);
  }
  const body: Record<string, unknown> = { partner_status: input.status };
  if (input.profileUrl != null) body.partner_profile_url = input.profileUrl;
  if (input.score != null) body.partner_score = input.score;
  if (input.metadata != null) body.metadata = input.metadata;
  const parsed = TestStatusResponseSchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
      problems.push(`${where}${issue.message}`);
    }
  }
  if (problems.length || !parsed.success) throw new InvalidTestStatusError(problems);
  return parsed.data;
}
