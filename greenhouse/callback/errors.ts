/**
 * Completion PATCH failures, classified once (like HarvestError) so the activity decides "retry" or
 * "fail with a plain message" without reading HTTP details. Messages never carry the credential nor
 * the callback URL's query string.
 */

export type CompletionErrorKind =
  | 'invalid_url'
  | 'configuration'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rejected'
  | 'redirected'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout';

const RETRYABLE: Record<CompletionErrorKind, boolean> = {
  invalid_url: false,
  configuration: false,
  unauthorized: false,
  forbidden: false,
  not_found: false,
  rejected: false,
  redirected: false,
  rate_limited: true,
  server: true,
  network: true,
  timeout: true,
};

export interface CompletionErrorInit {
  kind: CompletionErrorKind;
  message: string;
  status?: number | null;
  retryAfterMs?: number | null;
  cause?: unknown;
}

export class CompletionCallbackError extends Error {
  override readonly name = 'CompletionCallbackError';
  readonly kind: CompletionErrorKind;
  readonly retryable: boolean;
  /** HTTP status, null when no answer came (network, timeout) or none was sent (invalid URL) */
  readonly status: number | null;
  /** from Retry-After on 429/5xx, null when absent */
  readonly retryAfterMs: number | null;

  constructor(init: CompletionErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.retryable = RETRYABLE[init.kind];
    this.status = init.status ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }

  /** JSON-safe summary for Temporal failure details and logs. */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      retryable: this.retryable,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      message: this.message,
    };
  }
}

export const isCompletionCallbackError = (e: unknown): e is CompletionCallbackError =>
  e instanceof CompletionCallbackError;

/** Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

const seconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))} s`;

/** `where` is host + path of the callback URL, e.g. `app.greenhouse.io/integrations/…/12345`. */
export function errorFromStatus(
  where: string,
  status: number,
  retryAfterMs: number | null,
): CompletionCallbackError {
  const base = { status, retryAfterMs };
  if (status === 401) {
    return new CompletionCallbackError({
      ...base,
      kind: 'unauthorized',
      message: `Greenhouse rejected the callback credential (401) for the completion callback ${where}: check the tenant's callback credential`,
    });
  }
  if (status === 403) {
    return new CompletionCallbackError({
      ...base,
      kind: 'forbidden',
      message: `Greenhouse refused the completion callback ${where} (403): the callback credential has no access to this test`,
    });
  }
  if (status === 404) {
    return new CompletionCallbackError({
      ...base,
      kind: 'not_found',
      message: `Greenhouse does not know the test of the completion callback ${where} (404): it was deleted or the URL is wrong`,
    });
  }
  if (status === 429) {
    return new CompletionCallbackError({
      ...base,
      kind: 'rate_limited',
      message: `Greenhouse rate-limited the completion callback ${where} (429)${retryAfterMs !== null ? `; retry after ${seconds(retryAfterMs)}` : ''}`,
    });
  }
  if (status >= 500 || status === 408) {
    return new CompletionCallbackError({
      ...base,
      kind: 'server',
      message: `Greenhouse answered ${status} to the completion callback ${where} (a temporary Greenhouse problem)`,
    });
  }
  if (status >= 300 && status < 400) {
    return new CompletionCallbackError({
      ...base,
      kind: 'redirected',
      message: `Greenhouse redirected the completion callback ${where} (${status}); redirects are not followed so the credential stays with the URL Greenhouse gave`,
    });
  }
  return new CompletionCallbackError({
    ...base,
    kind: 'rejected',
    message: `Greenhouse refused the completion callback ${where} (${status})`,
  });
}

/** fetch failures: our timeout, or the network (DNS, refused, reset). */
export function errorFromFetchFailure(
  where: string,
  err: unknown,
  timeoutMs: number,
): CompletionCallbackError {
  const e = err as { name?: string; cause?: { code?: string; name?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError') {
    return new CompletionCallbackError({
      kind: 'timeout',
      cause: err,
      message: `Greenhouse did not answer the completion callback ${where} within ${timeoutMs} ms`,
    });
  }
  const code = e?.cause?.code;
  if (code === 'EFORBIDDENADDRESS') {
    // guardedLookup refused the address at connect time (e.g. DNS now answers 127.0.0.1).
    return new CompletionCallbackError({
      kind: 'invalid_url',
      cause: err,
      message: `refused to connect for the completion callback ${where}: ${(e?.cause as { message?: string }).message ?? 'forbidden address'}`,
    });
  }
  return new CompletionCallbackError({
    kind: 'network',
    cause: err,
    message: `could not reach Greenhouse for the completion callback ${where}${code ? ` (${code})` : ''}`,
  });
}
