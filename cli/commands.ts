import { readFile } from 'node:fs/promises';
import { ApiError, type ApiClient } from './http.js';
import { createProgressBar, type ProgressOutput } from './progress.js';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** Usage errors, HTTP errors, an unreachable API. */
  error: 1,
  /** The command ran, but not everything succeeded (refused or failed rows, missing permissions). */
  partial: 2,
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliIo {
  stdout: ProgressOutput;
  stderr: ProgressOutput;
  /** Waits between progress polls (tests shorten it). */
  sleep(ms: number): Promise<void>;
  pollMs: number;
}

export interface CommandContext {
  api: ApiClient;
  io: CliIo;
  json: boolean;
  tenant: string | undefined;
}

/** How long progress polling rides out an API that answers 5xx or not at all. */
const POLL_GIVE_UP_MS = 60_000;

const out = (io: CliIo, line = '') => io.stdout.write(`${line}\n`);

interface RowError {
  row: number;
  field: string;
  message: string;
}

interface BulkView {
  id: string;
  tenantId: string;
  status: 'running' | 'done';
  totalRows: number;
  validRows: number;
  invalidRows: number;
  started: number;
  alreadyInvited: number;
  failed: number;
  errors: RowError[];
}

/** `greenroom invite bulk <file.csv> --tenant <id> [--no-wait]` */
export async function inviteBulk(
  ctx: CommandContext,
  args: { file: string | undefined; wait: boolean },
): Promise<number> {
  if (!args.file) throw new UsageError('invite bulk needs the CSV file: greenroom invite bulk <file.csv>');
  if (!ctx.tenant) throw new UsageError('invite bulk needs --tenant <tenantId> (or GREENROOM_TENANT)');
  let text: string;
  try {
    text = await readFile(args.file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${args.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const upload = await ctx.api.request<BulkView>(
    'POST',
    `/operator/tenants/${encodeURIComponent(ctx.tenant)}/invites/bulk`,
    { text, contentType: 'text/csv; charset=utf-8' },
  );
  const first = upload.body;
  const io = ctx.io;
  if (!ctx.json) {
    out(
      io,
      `${upload.status === 200 ? 'Already uploaded' : 'Uploaded'} ${first.id}: ${first.totalRows} rows, ${first.validRows} valid, ${first.invalidRows} refused`,
    );
    printErrors(io, first.errors, 'Refused rows');
  }
  let final = first;
  if (args.wait && first.status !== 'done') {
    const bar = createProgressBar(io.stderr, first.validRows, 'inviting');
    let failingSince: number | null = null;
    for (;;) {
      const done = final.started + final.alreadyInvited + final.failed;
      const note = `started ${final.started}, already invited ${final.alreadyInvited}, failed ${final.failed}`;
      if (final.status === 'done') {
        bar.finish(note);
        break;
      }
      bar.update(done, failingSince === null ? note : `${note} (API not answering, retrying)`);
      await io.sleep(io.pollMs);
      try {
        final = (
          await ctx.api.request<BulkView>('GET', `/operator/bulk-invites/${encodeURIComponent(first.id)}`)
        ).body;
        failingSince = null;
      } catch (err) {
        // The work goes on without us (it is a workflow): ride out a busy or restarting API.
        const transient = err instanceof ApiError && (err.status === 0 || err.status >= 500);
        failingSince ??= Date.now();
        if (!transient || Date.now() - failingSince > POLL_GIVE_UP_MS) {
          bar.abort();
          throw err;
        }
      }
    }
  } else if (!args.wait && !ctx.json) {
    out(io, `Not waiting: follow it with  greenroom invite status ${first.id}`);
  }
  return reportBulk(ctx, final, first.errors.length);
}

/** `greenroom invite status <bulkId>`: the report and progress of an upload, once. */
export async function inviteStatus(ctx: CommandContext, id: string | undefined): Promise<number> {
  if (!id) throw new UsageError('invite status needs the bulk invite id (bulk_…)');
  const bulk = (await ctx.api.request<BulkView>('GET', `/operator/bulk-invites/${encodeURIComponent(id)}`))
    .body;
  if (!ctx.json) printErrors(ctx.io, bulk.errors, 'Refused or failed rows');
  return reportBulk(ctx, bulk, bulk.errors.length);
}

function reportBulk(ctx: CommandContext, bulk: BulkView, alreadyPrinted: number): number {
  if (ctx.json) {
    out(ctx.io, JSON.stringify(bulk, null, 2));
  } else {
    // Rows that failed while inviting (refused by the tenant's set-up) come after the parse errors.
    printErrors(ctx.io, bulk.errors.slice(alreadyPrinted), 'Failed rows');
    out(
      ctx.io,
      `${bulk.status === 'done' ? 'Done' : 'Running'}: ${bulk.started} started, ${bulk.alreadyInvited} already invited, ${bulk.failed} failed, ${bulk.invalidRows} refused (of ${bulk.totalRows} rows)`,
    );
  }
  return bulk.invalidRows > 0 || bulk.failed > 0 ? EXIT.partial : EXIT.ok;
}

function printErrors(io: CliIo, errors: RowError[], title: string) {
  if (!errors.length) return;
  out(io, `${title} (${errors.length}):`);
  out(
    io,
    table(
      ['row', 'field', 'message'],
      errors.map((e) => [String(e.row), e.field, e.message]),
    ),
  );
}

/** `greenroom journeys list [--tenant --status --kind --limit --cursor]` */
export async function journeysList(
  ctx: CommandContext,
  filters: { status?: string; kind?: string; limit?: string; cursor?: string },
): Promise<number> {
  if (filters.limit !== undefined && !/^\d+$/.test(filters.limit)) {
    throw new UsageError('--limit must be a whole number');
  }
  const query = new URLSearchParams();
  if (ctx.tenant) query.set('tenantId', ctx.tenant);
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) query.set(key, value);
  const qs = query.toString();
  const { body } = await ctx.api.request<{ journeys: Record<string, unknown>[]; nextCursor: string | null }>(
    'GET',
    `/operator/journeys${qs ? `?${qs}` : ''}`,
  );
  if (ctx.json) {
    out(ctx.io, JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  const journeys = body.journeys ?? [];
  if (!journeys.length) {
    out(ctx.io, 'No journeys.');
    return EXIT.ok;
  }
  const wanted = ['id', 'tenantId', 'kind', 'status', 'statusDetail', 'updatedAt'];
  const columns = wanted.filter((c) => journeys.some((j) => j[c] !== undefined));
  out(
    ctx.io,
    table(
      columns,
      journeys.map((j) => columns.map((c) => cell(j[c]))),
    ),
  );
  if (body.nextCursor) out(ctx.io, `More: --cursor ${body.nextCursor}`);
  return EXIT.ok;
}

/** `greenroom journeys show <journeyId>` */
export async function journeysShow(ctx: CommandContext, id: string | undefined): Promise<number> {
  if (!id) throw new UsageError('journeys show needs the journey id');
  const { body } = await ctx.api.request<Record<string, unknown>>(
    'GET',
    `/operator/journeys/${encodeURIComponent(id)}`,
  );
  if (ctx.json) {
    out(ctx.io, JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  const { timeline, ...rest } = body;
  for (const [key, value] of Object.entries(rest)) {
    if (value === null || value === undefined || typeof value === 'object') continue;
    out(ctx.io, `${`${key}:`.padEnd(24)} ${cell(value)}`);
  }
  if (body.waitingFor === undefined && typeof rest.statusDetail === 'string') {
    out(ctx.io, `${'waitingFor:'.padEnd(24)} ${rest.statusDetail}`);
  }
  if (Array.isArray(timeline) && timeline.length) {
    out(ctx.io, '');
    out(ctx.io, 'Timeline:');
    const entries = timeline as Record<string, unknown>[];
    const columns = ['at', 'event', 'kind', 'type', 'step', 'status', 'detail', 'message'].filter((c) =>
      entries.some((e) => e[c] !== undefined && e[c] !== null),
    );
    out(
      ctx.io,
      table(
        columns,
        entries.map((e) => columns.map((c) => cell(e[c]))),
      ),
    );
  }
  return EXIT.ok;
}

/** `greenroom retry <journeyId> [--step <step>]` */
export async function retryJourney(
  ctx: CommandContext,
  id: string | undefined,
  step: string | undefined,
): Promise<number> {
  if (!id) throw new UsageError('retry needs the journey id');
  const { body } = await ctx.api.request('POST', `/operator/journeys/${encodeURIComponent(id)}/retry`, {
    json: step ? { step } : {},
  });
  out(
    ctx.io,
    ctx.json ? JSON.stringify(body, null, 2) : `Retry requested for ${id}${step ? ` (${step})` : ''}.`,
  );
  return EXIT.ok;
}

/** `greenroom cancel <journeyId> --reason <text>` */
export async function cancelJourney(
  ctx: CommandContext,
  id: string | undefined,
  reason: string | undefined,
): Promise<number> {
  if (!id) throw new UsageError('cancel needs the journey id');
  if (!reason?.trim()) throw new UsageError('cancel needs --reason "<why>" (it goes to the audit trail)');
  const { body } = await ctx.api.request('POST', `/operator/journeys/${encodeURIComponent(id)}/cancel`, {
    json: { reason },
  });
  out(ctx.io, ctx.json ? JSON.stringify(body, null, 2) : `Cancelled ${id}.`);
  return EXIT.ok;
}

interface PermissionCheck {
  ok: boolean;
  credentialValid?: boolean;
  checks?: { capability: string; status: string; message: string }[];
  problems?: string[];
}

/** `greenroom tenants check <tenantId>`: the tenant's Greenhouse permission check. */
export async function tenantsCheck(ctx: CommandContext, tenantId: string | undefined): Promise<number> {
  const id = tenantId ?? ctx.tenant;
  if (!id) throw new UsageError('tenants check needs the tenant id');
  const { body } = await ctx.api.request<PermissionCheck>(
    'POST',
    `/operator/tenants/${encodeURIComponent(id)}/greenhouse/permission-check`,
    { json: {} },
  );
  if (ctx.json) {
    out(ctx.io, JSON.stringify(body, null, 2));
  } else {
    if (body.checks?.length) {
      out(
        ctx.io,
        table(
          ['capability', 'status', 'message'],
          body.checks.map((c) => [c.capability, c.status, c.message]),
        ),
      );
    }
    for (const problem of body.problems ?? []) out(ctx.io, `problem: ${problem}`);
    out(ctx.io, body.ok ? `Tenant ${id}: all permissions in place.` : `Tenant ${id}: NOT ready.`);
  }
  return body.ok ? EXIT.ok : EXIT.partial;
}

/** `greenroom audit [--tenant --since --until --actor --action --journey --limit --cursor]` */
export async function auditList(
  ctx: CommandContext,
  args: {
    since?: string;
    until?: string;
    actor?: string;
    action?: string;
    journey?: string;
    limit?: string;
    cursor?: string;
  },
  now = new Date(),
): Promise<number> {
  if (args.limit !== undefined && !/^\d+$/.test(args.limit))
    throw new UsageError('--limit must be a whole number');
  const query = new URLSearchParams();
  if (ctx.tenant) query.set('tenantId', ctx.tenant);
  if (args.since) query.set('from', instantOf('--since', args.since, now));
  if (args.until) query.set('to', instantOf('--until', args.until, now));
  if (args.actor) query.set('actor', args.actor);
  if (args.action) query.set('action', args.action);
  if (args.journey) query.set('journeyId', args.journey);
  if (args.limit) query.set('limit', args.limit);
  if (args.cursor) query.set('cursor', args.cursor);
  const qs = query.toString();
  const { body } = await ctx.api.request<{ entries: Record<string, unknown>[]; nextCursor: string | null }>(
    'GET',
    `/operator/audit${qs ? `?${qs}` : ''}`,
  );
  if (ctx.json) {
    out(ctx.io, JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  if (!body.entries.length) {
    out(ctx.io, 'No audit entries.');
    return EXIT.ok;
  }
  const columns = ['at', 'actor', 'role', 'action', 'outcome', 'tenantId', 'journeyId', 'detail'];
  out(
    ctx.io,
    table(
      columns,
      body.entries.map((e) => columns.map((c) => cell(e[c]))),
    ),
  );
  if (body.nextCursor) out(ctx.io, `More: --cursor ${body.nextCursor}`);
  return EXIT.ok;
}

/** An ISO 8601 time, or a span back from now: `90m`, `24h`, `7d`. */
function instantOf(option: string, value: string, now: Date): string {
  const span = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (span) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(span[1]) * unit).toISOString();
  }
  const at = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at))
    throw new UsageError(
      `${option} must be an ISO 8601 time (2026-12-01T00:00:00Z) or a span such as 24h or 7d`,
    );
  return new Date(at).toISOString();
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A plain text table: padded columns, a header and a rule. */
export function table(header: string[], rows: string[][]): string {
  const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s).replace(/\s+/g, ' ');
  const all = [header, ...rows.map((r) => r.map(clip))];
  const widths = header.map((_, k) => Math.max(...all.map((r) => (r[k] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, k) => (k === r.length - 1 ? c : c.padEnd(widths[k]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join('\n');
}

export { ApiError };
