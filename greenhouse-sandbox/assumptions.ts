/**
 * Every behaviour that docs/greenhouse.md marks (unconfirmed) or (secondary source), or that the
 * public docs leave open, is decided here and only here. A correction is a one-line change.
 */
export const ASSUMPTIONS = {
  /** v1: a key that lacks the endpoint's permission (greenhouse.md §3.2: "401 ... missing permission"). */
  v1MissingPermission: { status: 401, message: 'This API Key does not have permission for this endpoint' },
  /** v1: unknown, revoked or malformed Basic credentials. */
  v1BadCredentials: { status: 401, message: 'Invalid Basic Auth credentials' },
  /** v3: a bearer token without the route's scope. OAuth's insufficient_scope is a 403. */
  v3MissingScope: { status: 403, message: 'Token does not have the required scope' },
  /** v3 (secondary source): every list endpoint needs a Site Admin `sub` (how others are answered: Readings.v3NonAdminLists). */
  v3ListNeedsSiteAdmin: true,
  /** Missing On-Behalf-Of on a v1 write: modelled as a 422 naming the header as the field. */
  missingOnBehalfOf: { status: 422, message: 'Missing required header: On-Behalf-Of', field: 'On-Behalf-Of' },
  /** Rate-limit windows (v1 10 s is documented; v3 30 s and the token's own 60 s are secondary). */
  rateLimitWindowMs: { v1: 10_000, v3: 30_000, token: 60_000 },
  /** Default requests per window per credential (real Harvest answered 20..50 in the recordings). */
  rateLimitDefault: { v1: 50, v3: 50, token: 20 },
  /** v3 (secondary source) sends X-RateLimit-Reset (epoch seconds) on every response; v1 does not. */
  v3SendsRateLimitReset: true,
  /** v3 cursor paging: the query parameter name and page-size parameter (names unconfirmed). */
  v3CursorParam: 'cursor',
  v3PageSizeParam: 'per_page',
  /** Token lifetimes (greenhouse.md §3.1); tests shorten them through SandboxOptions.tokens. */
  tokenLifetimesMs: { access: 3_600_000, refresh: 86_400_000, code: 60_000 },
  /**
   * Harvest v1/v2 were removed on 2026-08-31 (greenhouse.md §0): by default v1 endpoints and the v1-key
   * mint `/auth/token` answer as a retired API. How Greenhouse answers a removed API is unconfirmed:
   * modelled as 410 Gone naming the retirement (a `Sunset` date header as RFC 8594 has it).
   * SandboxOptions.v1 = 'live' (or PUT /_sandbox/settings) keeps v1 working for legacy tests.
   */
  v1Status: 'retired' as 'retired' | 'live',
  v1RetiredAnswer: {
    status: 410,
    sunset: 'Mon, 31 Aug 2026 00:00:00 GMT',
    message:
      'Harvest API v1 and v2 were retired on 2026-08-31 and no longer answer. Use Harvest v3 (OAuth 2.0).',
  },
  /**
   * Token answers carry `expires_at` (ISO 8601), not `expires_in` (greenhouse.md §0 [O]). The old
   * reading ('expires_in', plus refresh_token_expires_in) stays behind SandboxOptions.tokenAnswer.
   */
  tokenAnswer: 'expires_at' as 'expires_at' | 'expires_in',
  /** `/authorize` needs a space-separated `scope` ([S]); without one the consent redirects with invalid_request. */
  authorizeRequiresScope: true,
  /** `/auth/token` (v1 key → v3 token, secondary source): scopes granted to the minted token. */
  v1MintedTokenScopes: 'all' as const,
  /** v3 shapes (secondary source): children are not embedded; custom field options are listed apart. */
  v3EmbedsCustomFieldOptions: false as boolean,
  /**
   * v3 PATCH /applications/{id} and POST /notes bodies are unconfirmed: they are parsed like v1
   * (custom_fields[]; { candidate_id, body, visibility } with the token's sub as author) in
   * harvest/v3-routes.ts, the one place to change them.
   */
  /**
   * `take_home_test` attachments are refused unless the application has an outstanding test.
   * Modelled as: a take-home test exists for the application (sent through send_test, or added by the
   * admin API) and was not cancelled; completed tests still count, so a report can follow the result.
   */
  takeHomeTestNeedsTest: true,
  /** v1: with `content`, `content_type` is required (the v1 docs pair them). v3 takes none (below). */
  attachmentContentTypeRequired: true,
  /**
   * v3 attachments [P]: no `content_type` (sending one is a 422); the filename's extension is checked
   * against the organisation's blocklist (modelled as these, and a name without an extension is refused).
   */
  v3AttachmentBlockedExtensions: ['exe', 'bat', 'cmd', 'com', 'js', 'msi', 'scr', 'sh', 'vbs', 'dll'],
  /** v3 list filters [S]: plural, comma-separated, at most this many ids; an unknown parameter is a 422. */
  v3MaxFilterIds: 50,
  /** Attachments answer 201 Created; notes answer 200 as recorded in create_candidate_note.json. */
  attachmentCreatedStatus: 201,
  noteCreatedStatus: 200,
  /** Application custom fields exist on Enterprise plans only: elsewhere they are absent (listing [] and writes 422). */
  applicationCustomFieldsEnterpriseOnly: true,
  /** User-type custom field values read back as this object (shape unconfirmed). */
  userFieldValueShape: 'name_email_user_id' as 'name_email_user_id' | 'user_id',
  /**
   * Completion callback credential (greenhouse.md §2: "unconfirmed which"): modelled per organisation as
   * HTTP Basic with the callback key as username and an empty password (the mirror of the partner key).
   * The organisation setting may switch it to a bearer token.
   */
  callbackAuthDefault: 'basic_key' as 'basic_key' | 'bearer',
  /** Webhook signing: Greenhouse escapes unicode before signing; like Rails we also escape < > & . */
  webhookEscapeHtmlEntities: true,
  /** A retry of a failed webhook keeps the same Greenhouse-Event-ID (so receivers can deduplicate). */
  webhookRetryKeepsEventId: true,
  /**
   * Retry schedule [P]: 7 attempts in all, waiting 1, 15, 60, 120, 240 and 480 minutes (about 15 h);
   * a timeout, a network error or any answer other than 200 is a failure. The delays (seconds) are
   * multiplied by SandboxOptions.webhooks.retryScale to compress them in tests.
   */
  webhookRetryDelaysS: [60, 900, 3600, 7200, 14_400, 28_800],
  /** Harvest writes (moves through the API) fire webhooks too, as recruiter actions do. */
  webhooksOnApiWrites: true,
  /** Greenhouse calls test_status right after a completion PATCH; the PATCH itself answers 200 `{}` first. */
  statusCheckAfterPatch: 'after_response' as 'after_response' | 'before_response',
} as const;

export type Assumptions = typeof ASSUMPTIONS;

/**
 * Readings of Greenhouse that only secondary sources support, switchable per sandbox
 * (`startSandbox({ readings })`, or `SANDBOX_READINGS=name=value,…` standalone). The defaults are
 * today's reading (greenhouse.md §0); the client must work under every value, with a test for each.
 */
export interface Readings {
  /**
   * What a v3 application's `stage_id` names: an application-stage record of its own (default; the
   * application then carries `stage_name`), or the job interview stage id (the older guess, no
   * `stage_name`). Either way a move's `from_stage_id` must equal the `stage_id` read.
   */
  v3StageId: 'application_stage' | 'job_stage';
  /**
   * `POST /v3/notes` body: `typed` (default) needs `{candidate_id, body, visibility, note_type, user_id}`
   * (`application_id` optional); `plain` is the v1-like `{candidate_id, body, visibility}` with the
   * token's `sub` as author (other fields ignored).
   */
  v3NoteBody: 'typed' | 'plain';
  /**
   * v3 custom-field writes: `name_key` (default) addresses fields by `name_key` only and clears with
   * `value: null`; `id_or_name_key` is the v1 rule (`id` or `name_key`, clear with `delete_value`).
   */
  v3CustomFieldKey: 'name_key' | 'id_or_name_key';
  /**
   * v3 list endpoints with a non–Site Admin `sub`: `empty` (default) answers `200 []`; `forbidden`
   * answers 403. Single writes work either way.
   */
  v3NonAdminLists: 'empty' | 'forbidden';
}

export const DEFAULT_READINGS: Readonly<Readings> = {
  v3StageId: 'application_stage',
  v3NoteBody: 'typed',
  v3CustomFieldKey: 'name_key',
  v3NonAdminLists: 'empty',
};

const READING_VALUES: { [K in keyof Readings]: readonly Readings[K][] } = {
  v3StageId: ['application_stage', 'job_stage'],
  v3NoteBody: ['typed', 'plain'],
  v3CustomFieldKey: ['name_key', 'id_or_name_key'],
  v3NonAdminLists: ['empty', 'forbidden'],
};

/** Parse `name=value,name=value` (the standalone sandbox's SANDBOX_READINGS); throws naming a bad entry. */
export function parseReadings(spec: string | undefined): Partial<Readings> {
  const out: Record<string, string> = {};
  for (const part of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const allowed = (READING_VALUES as Record<string, readonly string[]>)[name ?? ''];
    if (!allowed)
      throw new Error(`unknown sandbox reading "${name}" (known: ${Object.keys(READING_VALUES).join(', ')})`);
    if (!value || !allowed.includes(value))
      throw new Error(`sandbox reading ${name} must be one of ${allowed.join(', ')} (got "${value ?? ''}")`);
    out[name as string] = value;
  }
  return out as Partial<Readings>;
}
