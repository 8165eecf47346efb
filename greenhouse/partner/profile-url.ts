/**
 * Greenhouse sends no ids in send_test: the candidate and application ids live only in
 * `candidate.greenhouse_profile_url`, `https://<host>/people/<candidate_id>?application_id=<id>`
 * (greenhouse.md §2). Tolerant of what real payloads carry (trailing slash, extra query parameters,
 * `application_id= 265277` in a Greenhouse example, `http` in the sandbox), strict about the ids.
 */

export interface GreenhouseProfile {
  /** host[:port], e.g. `app.greenhouse.io` */
  host: string;
  /** digits only */
  candidateId: string;
  /** digits only */
  applicationId: string;
}

export type ProfileUrlResult = { ok: true; profile: GreenhouseProfile } | { ok: false; message: string };

const DIGITS = /^\d+$/;

export function parseGreenhouseProfileUrl(input: unknown): ProfileUrlResult {
  const fail = (why: string): ProfileUrlResult => ({
    ok: false,
    message: `greenhouse_profile_url ${why}`,
  });
  if (typeof input !== 'string' || input.trim() === '') return fail('is missing');
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('is not an http(s) URL');
  // `/people/<id>`, possibly below a path prefix (a sandbox behind a proxy) and with a trailing slash.
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const candidateId = segments.at(-1);
  if (segments.at(-2) !== 'people' || candidateId === undefined) {
    return fail('does not end in /people/<candidate id>');
  }
  if (!DIGITS.test(candidateId)) return fail('has a candidate id that is not a number');
  // Values decode `+`/`%20` to spaces; Greenhouse's own example has `application_id= 265277`.
  const values = [
    ...new Set(
      url.searchParams
        .getAll('application_id')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    ),
  ];
  if (values.length === 0) return fail('has no application_id');
  if (values.length > 1) return fail('has conflicting application_id parameters');
  const applicationId = values[0]!;
  if (!DIGITS.test(applicationId)) return fail('has an application_id that is not a number');
  return { ok: true, profile: { host: url.host, candidateId, applicationId } };
}
