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

/** What any answer must have right: a status Greenhouse knows (text from the database can be anything). */
function statusProblems(input: TestStatusInput): string[] {
  return (PARTNER_STATUSES as readonly string[]).includes(input.status)
    ? []
    : [`partner_status "${String(input.status)}" is not one of ${PARTNER_STATUSES.join(', ')}`];
}

/** Absent optional values are omitted rather than sent as null. */
function bodyOf(input: TestStatusInput): TestStatusResponse {
  const body: TestStatusResponse = { partner_status: input.status };
  if (input.profileUrl != null) body.partner_profile_url = input.profileUrl;
  if (input.score != null) body.partner_score = input.score;
  if (input.metadata != null) body.metadata = input.metadata;
  return body;
}

/**
 * The test_status body from values our own read model holds (test_status's hot path), checked only
 * for what the database does not guarantee: a known status, and a profile link once `complete`
 * (Greenhouse refuses a complete answer without one). The score is an integer column and the link
 * one we issued, so they are not run through zod again; buildTestStatus checks everything.
 */
export function testStatusBody(input: TestStatusInput): TestStatusResponse {
  const problems = statusProblems(input);
  if (input.status === 'complete' && !input.profileUrl)
    problems.push("partner_profile_url: partner_status is 'complete' but partner_profile_url is missing");
  if (problems.length) throw new InvalidTestStatusError(problems);
  return bodyOf(input);
}

/**
 * Build the test_status body and check it as Greenhouse does before we send it: a malformed answer
 * is a bug on our side, better thrown here than reported back through response_error.
 */
export function buildTestStatus(input: TestStatusInput): TestStatusResponse {
  const problems = statusProblems(input);
  const parsed = TestStatusResponseSchema.safeParse(bodyOf(input));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
      problems.push(`${where}${issue.message}`);
    }
  }
  if (problems.length || !parsed.success) throw new InvalidTestStatusError(problems);
  return parsed.data;
}
