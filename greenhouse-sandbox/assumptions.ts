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
  /** v3 (secondary source): every list endpoint needs a Site Admin `sub`; else 403. */
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
  /** With `content`, `content_type` is required (the docs pair them; Greenhouse's answer is unconfirmed). */
  attachmentContentTypeRequired: true,
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
   * Real retry schedule: 7 retries over about 15 hours. The exact delays are unconfirmed; modelled as
   * these (seconds), multiplied by SandboxOptions.webhooks.retryScale to compress them in tests.
   */
  webhookRetryDelaysS: [60, 300, 900, 1800, 3600, 10_800, 36_000],
  /** Harvest writes (moves through the API) fire webhooks too, as recruiter actions do. */
  webhooksOnApiWrites: true,
  /** Greenhouse calls test_status right after a completion PATCH; the PATCH itself answers 200 `{}` first. */
  statusCheckAfterPatch: 'after_response' as 'after_response' | 'before_response',
} as const;

export type Assumptions = typeof ASSUMPTIONS;
