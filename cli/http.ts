/** The operator API over HTTP: JSON in and out, the operator key as bearer token. */

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  readonly baseUrl: string;
  request<T = unknown>(
    method: string,
    path: string,
    body?: { json: unknown } | { text: string; contentType: string },
  ): Promise<{ status: number; body: T }>;
}

export function createApiClient(options: {
  baseUrl: string;
  key: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  return {
    baseUrl,
    async request<T>(
      method: string,
      path: string,
      body?: { json: unknown } | { text: string; contentType: string },
    ) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.key}`,
        accept: 'application/json',
      };
      let payload: string | undefined;
      if (body && 'json' in body) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body.json);
      } else if (body) {
        headers['content-type'] = body.contentType;
        payload = body.text;
      }
      let res: Response;
      try {
        res = await doFetch(`${baseUrl}${path}`, {
          method,
          headers,
          ...(payload === undefined ? {} : { body: payload }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
      } catch (err) {
        const why =
          err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : '';
        throw new ApiError(0, 'unreachable', `cannot reach ${baseUrl} (${why || 'network error'})`);
      }
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = { raw: text };
      }
      if (!res.ok) {
        const error = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)
          ?.error;
        throw new ApiError(
          res.status,
          error?.code ?? `http_${res.status}`,
          error?.message ?? `${method} ${path} answered ${res.status}`,
          error?.field,
        );
      }
      return { status: res.status, body: parsed as T };
    },
  };
}
