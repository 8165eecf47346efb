import { callbackAuthHeader, CallbackCredentialError } from './auth.js';
import {
  CompletionCallbackError,
  errorFromFetchFailure,
  errorFromStatus,
  parseRetryAfter,
} from './errors.js';

export interface CompletionPatchOptions {
  /** the `url` Greenhouse sent in send_test */
  url: string;
  /** the tenant's callback credential (per-tenant configuration) */
  credential: string;
  fetch?: typeof fetch;
  /** default 10 s */
  timeoutMs?: number;
}

export interface CompletionPatchResult {
  status: number;
}

export const DEFAULT_COMPLETION_TIMEOUT_MS = 10_000;

/** Host and path only: the query string is not ours to log. */
function describeUrl(u: URL): string {
  return `${u.host}${u.pathname}`;
}

/**
 * The URL comes from Greenhouse's send_test body: only ever send the credential to http(s)
 * (http for the sandbox), never to a URL carrying its own userinfo.
 */
export function parseCallbackUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CompletionCallbackError({
      kind: 'invalid_url',
      message: 'the completion callback URL is not a URL',
    });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new CompletionCallbackError({
      kind: 'invalid_url',
      message: `the completion callback URL must be http(s), not ${u.protocol.replace(/:$/, '')}`,
    });
  }
  if (u.username !== '' || u.password !== '') {
    throw new CompletionCallbackError({
      kind: 'invalid_url',
      message: 'the completion callback URL must not carry credentials of its own',
    });
  }
  return u;
}

/**
 * Tell Greenhouse a result is ready: `PATCH <url>` with no body (greenhouse.md §2); Greenhouse then
 * calls our test_status. Resolves on 2xx; otherwise throws CompletionCallbackError, retryable for
 * network errors, timeouts, 408, 429 and 5xx. Does not retry itself: Temporal's activity retry does,
 * honouring `retryAfterMs`. Redirects are not followed (the credential must not travel on).
 */
export async function sendCompletionPatch(opts: CompletionPatchOptions): Promise<CompletionPatchResult> {
  const url = parseCallbackUrl(opts.url);
  const where = describeUrl(url);
  let authorization: string;
  try {
    authorization = callbackAuthHeader(opts.credential);
  } catch (err) {
    if (!(err instanceof CallbackCredentialError)) throw err;
    throw new CompletionCallbackError({
      kind: 'configuration',
      message: `cannot send the completion callback ${where}: ${err.message}`,
    });
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS;
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'PATCH',
      headers: { Authorization: authorization, Accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw errorFromFetchFailure(where, err, timeoutMs);
  }
  // Drain the body so the connection is reused; its content does not matter.
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { status: res.status };
  const retryAfterMs =
    res.status === 429 || res.status >= 500 ? parseRetryAfter(res.headers.get('retry-after')) : null;
  throw errorFromStatus(where, res.status, retryAfterMs);
}
