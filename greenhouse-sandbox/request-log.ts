/** Every request the sandbox served (and every call it made), kept for assertions in tests. */
export interface LoggedRequest {
  seq: number;
  at: number;
  direction: 'inbound' | 'outbound';
  /** v1 | v3 | token | callback | admin | files | partner | webhook */
  api: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: unknown;
  status: number | null;
  durationMs: number | null;
  credentialId: string | null;
  orgId: number | null;
  fault: string | null;
  error?: string;
}

export interface RequestFilter {
  api?: string;
  method?: string;
  /** substring of the path, or a RegExp */
  path?: string | RegExp;
  status?: number;
  credentialId?: string;
  direction?: 'inbound' | 'outbound';
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly capacity = 20_000) {}

  add(e: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const entry = { ...e, seq: ++this.seq };
    this.entries.push(entry);
    // Bound memory on long benchmark runs: drop the oldest tenth at once.
    if (this.entries.length > this.capacity) this.entries.splice(0, Math.ceil(this.capacity / 10));
    return entry;
  }

  list(f: RequestFilter = {}): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (f.api === undefined || e.api === f.api) &&
        (f.method === undefined || e.method === f.method.toUpperCase()) &&
        (f.status === undefined || e.status === f.status) &&
        (f.credentialId === undefined || e.credentialId === f.credentialId) &&
        (f.direction === undefined || e.direction === f.direction) &&
        (f.path === undefined ||
          (typeof f.path === 'string' ? e.path.includes(f.path) : f.path.test(e.path))),
    );
  }

  clear(): void {
    this.entries = [];
  }
}

/** Keep headers readable in the log but never store secrets. */
export function redactHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    out[k] = k.toLowerCase() === 'authorization' ? value.replace(/^(\w+)\s.*$/, '$1 [redacted]') : value;
  }
  return out;
}
