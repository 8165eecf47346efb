/**
 * Harvest errors, classified once so that activities can decide "retry" or "fail with a plain
 * message" without reading HTTP details. Messages never carry secrets (keys, tokens, secrets) nor
 * query strings (they may hold e-mail addresses): only operation names, ids and Greenhouse's own
 * validation messages.
 */

export type HarvestErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'audit_user_missing'
  | 'validation'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'invalid_response'
  | 'configuration'
  /** Greenhouse answered that the API (Harvest v1/v2, the v1-key mint) is retired: reconnect on v3 */
  | 'retired';

const RETRYABLE: Record<HarvestErrorKind, boolean> = {
  unauthorized: false,
  forbidden: false,
  not_found: false,
  audit_user_missing: false,
  validation: false,
  rate_limited: true,
  server: true,
  network: true,
  timeout: true,
  invalid_response: false,
  configuration: false,
  retired: false,
};

export interface FieldError {
  field: string | null;
  message: string;
}

export interface HarvestErrorInit {
  kind: HarvestErrorKind;
  message: string;
  operation: string;
  status?: number | null;
  retryAfterMs?: number | null;
  fieldErrors?: FieldError[];
  /** Greenhouse permission (v1) or scope (v3) named by the answer, when it names one. */
  permission?: string | null;
  cause?: unknown;
}

export class HarvestError extends Error {
  override readonly name = 'HarvestError';
  readonly kind: HarvestErrorKind;
  readonly retryable: boolean;
  readonly status: number | null;
  readonly operation: string;
  readonly retryAfterMs: number | null;
  readonly fieldErrors: FieldError[];
  readonly permission: string | null;

  constructor(init: HarvestErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.retryable = RETRYABLE[init.kind];
    this.status = init.status ?? null;
    this.operation = init.operation;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.fieldErrors = init.fieldErrors ?? [];
    this.permission = init.permission ?? null;
  }

  /** A JSON-safe summary (for Temporal failure details and logs). */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      retryable: this.retryable,
      status: this.status,
      operation: this.operation,
      message: this.message,
      retryAfterMs: this.retryAfterMs,
      fieldErrors: this.fieldErrors,
      permission: this.permission,
    };
  }
}

export const isHarvestError = (e: unknown): e is HarvestError => e instanceof HarvestError;

/**
 * What an operation does and to what, in plain words, for messages:
 * `the Harvest credential lacks permission to <permission>`, `<resource> was not found`.
 */
export interface OperationInfo {
  /** stable name, e.g. `addApplicationAttachment` */
  name: string;
  /** e.g. `add attachments to applications` */
  permission: string;
  /** the resource a 404 names, e.g. `application 456` (absent for lists) */
  resource?: string;
  /** e.g. `the custom field value` — what a 422 rejected */
  rejected?: string;
  /** writes carry On-Behalf-Of (v1) and are not retried on 5xx/network inside the client */
  write?: boolean;
  /** the audit user (On-Behalf-Of or sub), for messages */
  auditUserId?: number | null;
}

/** `field: message; field: message` from a 422 body `{ message?, errors: [{ message, field }] }`. */
export function describeFieldErrors(errors: FieldError[], fallback: string | null): string {
  if (errors.length === 0) return fallback ?? 'no reason given';
  return errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
}

/** Greenhouse error bodies: `{ message }`, `{ message?, errors: [...] }`, or OAuth `{ error, error_description }`. */
export interface ErrorBody {
  message: string | null;
  errors: FieldError[];
  permission: string | null;
  scope: string | null;
  oauthError: string | null;
  oauthDescription: string | null;
}

export function readErrorBody(body: unknown): ErrorBody {
  const out: ErrorBody = {
    message: null,
    errors: [],
    permission: null,
    scope: null,
    oauthError: null,
    oauthDescription: null,
  };
  if (!body || typeof body !== 'object' || Array.isArray(body)) return out;
  const b = body as Record<string, unknown>;
  if (typeof b.message === 'string') out.message = b.message;
  if (typeof b.permission === 'string') out.permission = b.permission;
  if (typeof b.scope === 'string') out.scope = b.scope;
  if (typeof b.error === 'string') out.oauthError = b.error;
  if (typeof b.error_description === 'string') out.oauthDescription = b.error_description;
  if (Array.isArray(b.errors)) {
    for (const e of b.errors) {
      if (e && typeof e === 'object') {
        const r = e as Record<string, unknown>;
        out.errors.push({
          field: typeof r.field === 'string' ? r.field : null,
          message: typeof r.message === 'string' ? r.message : JSON.stringify(r),
        });
      } else if (typeof e === 'string') out.errors.push({ field: null, message: e });
    }
  }
  return out;
}

const seconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))} s`;

/**
 * Turn a non-2xx Harvest answer into a HarvestError. `v1` 401s mean a bad key or a missing
 * permission (greenhouse.md §3.2); v3 answers a missing scope with 403.
 */
export function errorFromResponse(
  op: OperationInfo,
  status: number,
  body: unknown,
  retryAfterMs: number | null,
): HarvestError {
  const eb = readErrorBody(body);
  const base = { operation: op.name, status };
  if (status === 401) {
    if (eb.permission || (eb.message && /permission/i.test(eb.message))) {
      return new HarvestError({
        ...base,
        kind: 'forbidden',
        permission: eb.permission,
        message: `the Harvest credential lacks permission to ${op.permission}${eb.permission ? ` (Greenhouse permission "${eb.permission}")` : ''}`,
      });
    }
    return new HarvestError({
      ...base,
      kind: 'unauthorized',
      message: `Greenhouse rejected the Harvest credential (invalid, expired or revoked) when trying to ${op.permission}`,
    });
  }
  if (status === 403) {
    if (eb.scope || (eb.message && /scope/i.test(eb.message))) {
      return new HarvestError({
        ...base,
        kind: 'forbidden',
        permission: eb.scope,
        message: `the Harvest credential lacks permission to ${op.permission}${eb.scope ? ` (scope ${eb.scope})` : ''}`,
      });
    }
    if (eb.message && /site admin/i.test(eb.message)) {
      return new HarvestError({
        ...base,
        kind: 'forbidden',
        message: `the audit user${op.auditUserId ? ` ${op.auditUserId}` : ''} is not a Site Admin, which Harvest requires to ${op.permission}`,
      });
    }
    if (eb.message && /no longer has access|sub/i.test(eb.message)) {
      return new HarvestError({
        ...base,
        kind: 'audit_user_missing',
        message: `audit user${op.auditUserId ? ` ${op.auditUserId}` : ''} no longer has access to Greenhouse (deactivated or removed)`,
      });
    }
    return new HarvestError({
      ...base,
      kind: 'forbidden',
      message: `the Harvest credential has no access to ${op.permission}${op.resource ? ` (${op.resource})` : ''}`,
    });
  }
  if (status === 410) {
    return new HarvestError({
      ...base,
      kind: 'retired',
      message: `Greenhouse answered that this Harvest API is retired (410 Gone${eb.message ? `: ${eb.message}` : ''}) when trying to ${op.permission}: connect the customer on Harvest v3`,
    });
  }
  if (status === 404) {
    return new HarvestError({
      ...base,
      kind: 'not_found',
      message: op.resource ? `${op.resource} was not found` : `Greenhouse found nothing to ${op.permission}`,
    });
  }
  if (status === 422 || status === 400) {
    const detail = describeFieldErrors(eb.errors, eb.message);
    const obo = eb.errors.find((e) => e.field?.toLowerCase() === 'on-behalf-of');
    if (obo) {
      return new HarvestError({
        ...base,
        kind: 'audit_user_missing',
        fieldErrors: eb.errors,
        message: `no audit user (On-Behalf-Of) was sent to ${op.permission}: configure one for this connection`,
      });
    }
    return new HarvestError({
      ...base,
      kind: 'validation',
      fieldErrors: eb.errors,
      message: `Greenhouse rejected ${op.rejected ?? `the request to ${op.permission}`}: ${detail}`,
    });
  }
  if (status === 429) {
    return new HarvestError({
      ...base,
      kind: 'rate_limited',
      retryAfterMs,
      message: `the Harvest rate limit of this credential was reached${retryAfterMs !== null ? `; retry after ${seconds(retryAfterMs)}` : ''}`,
    });
  }
  if (status >= 500) {
    return new HarvestError({
      ...base,
      kind: 'server',
      retryAfterMs,
      message: `Greenhouse answered ${status} when trying to ${op.permission} (a temporary Greenhouse problem)`,
    });
  }
  return new HarvestError({
    ...base,
    kind: 'validation',
    fieldErrors: eb.errors,
    message: `Greenhouse refused to ${op.permission} (${status}): ${describeFieldErrors(eb.errors, eb.message)}`,
  });
}

/** fetch failures: timeouts (our AbortSignal) and network errors (DNS, refused, reset). */
export function errorFromFetchFailure(op: OperationInfo, err: unknown, timeoutMs: number): HarvestError {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError') {
    return new HarvestError({
      operation: op.name,
      kind: 'timeout',
      message: `Greenhouse did not answer within ${timeoutMs} ms when trying to ${op.permission}`,
    });
  }
  const code = e?.cause?.code;
  return new HarvestError({
    operation: op.name,
    kind: 'network',
    message: `could not reach Greenhouse Harvest to ${op.permission}${code ? ` (${code})` : ''}`,
  });
}
