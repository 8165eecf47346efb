// `npx tsx bench/profile-start-path.ts [--journeys=N] [--cpu-prof]`: where a bulk-invited journey's
// cost goes up to its invite (issue 17). Runs one CSV upload of N journeys on the product stack (as
// bench/bulk-invite-throughput.ts does, without the baseline) and reports, per journey:
//  - CPU of the worker, the Temporal dev server, the API and the stack database's PostgreSQL backends;
//  - the history of one journey up to its invite (events by type, workflow tasks, activities,
//    local-activity markers) and of the upload's own workflow;
//  - the worker's Temporal RPCs (Temporal Core's request counters, by operation);
//  - the database's statements (transactions, rows read and written per table, from pg_stat_*);
//  - with --cpu-prof, the worker's CPU profile (node --cpu-prof) by package and by our modules.
// A measuring tool, not a benchmark: no targets, nothing in `npm test`.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { inviteAndWait } from './bulk-invite-throughput.js';
import { procStats } from '../harness/proc-stats.js';
import { startProductStack, type ProductStack } from '../harness/product-stack.js';

const arg = (name: string, fallback: number) => {
  const m = process.argv.map((a) => new RegExp(`^--${name}=(\\d+)$`).exec(a)).find(Boolean);
  return m ? Number(m[1]) : fallback;
};
const n = arg('journeys', 300);
const profile = process.argv.includes('--cpu-prof');
const log = (line: string) => process.stdout.write(`${line}\n`);

const profDir = await mkdtemp(path.join(tmpdir(), 'greenroom-start-prof-'));
const stack = await startProductStack({
  candidates: n,
  log,
  ...(profile ? { workerNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : {}),
});
let code = 0;
try {
  await measure(stack);
} catch (err) {
  code = 1;
  log(String(err instanceof Error ? err.stack : err));
} finally {
  await stack.close();
}
if (profile && code === 0) await summariseProfile(profDir);
process.exit(code);

async function measure(stack: ProductStack) {
  const dbName = new URL(stack.databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  try {
    const before = await readings(stack, admin, dbName);
    const result = await inviteAndWait(stack, stack.candidates.slice(0, n), 600_000, log);
    // pg_stat counters are flushed by each backend within a second or so of its last transaction.
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await readings(stack, admin, dbName);
    log(
      `\n${result.invited} of ${n} invited in ${result.seconds.toFixed(1)} s (${(result.invited / result.seconds).toFixed(1)}/s); load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const per = (a: number, b: number) => ((b - a) * 1000) / n;
    log('CPU per journey (ms):');
    log(`  worker   ${per(before.worker, after.worker).toFixed(1)}`);
    log(`  temporal ${per(before.server, after.server).toFixed(1)}`);
    log(`  api      ${per(before.api, after.api).toFixed(1)}`);
    log(`  postgres ${per(before.postgres, after.postgres).toFixed(1)} (backends of the stack's database)`);

    log('\nworker → Temporal RPCs per journey (Temporal Core request counters):');
    for (const [op, count] of diffCounters(before.rpcs, after.rpcs))
      log(`  ${op.padEnd(44)} ${(count / n).toFixed(2)}`);

    log('\ndatabase per journey:');
    const d = (k: keyof typeof before.db) => ((after.db[k] - before.db[k]) / n).toFixed(2);
    log(
      `  transactions ${d('xact')}; rows returned ${d('returned')} fetched ${d('fetched')} inserted ${d('inserted')} updated ${d('updated')}`,
    );
    for (const [table, t] of Object.entries(after.tables)) {
      const b = before.tables[table] ?? { scans: 0, ins: 0, upd: 0 };
      const scans = (t.scans - b.scans) / n;
      const ins = (t.ins - b.ins) / n;
      const upd = (t.upd - b.upd) / n;
      if (scans || ins || upd)
        log(
          `  ${table.padEnd(24)} scans ${scans.toFixed(2)}  inserted ${ins.toFixed(2)}  updated ${upd.toFixed(2)}`,
        );
    }

    await histories(stack, result.bulkIds);
  } finally {
    await admin.end();
  }
}

async function readings(stack: ProductStack, admin: pg.Client, dbName: string) {
  const cpu = async (pid: number | undefined) => (pid ? (await procStats(pid)).cpuSeconds : 0);
  const backends = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [dbName],
  );
  let postgres = 0;
  for (const { pid } of backends.rows) postgres += await cpu(pid).catch(() => 0);
  const db = (
    await admin.query<Record<string, string>>(
      'SELECT xact_commit + xact_rollback AS xact, tup_returned AS returned, tup_fetched AS fetched, tup_inserted AS inserted, tup_updated AS updated FROM pg_stat_database WHERE datname = $1',
      [dbName],
    )
  ).rows[0]!;
  const tables: Record<string, { scans: number; ins: number; upd: number }> = {};
  for (const t of (
    await admin.query<{ relname: string; scans: string; ins: string; upd: string }>(
      'SELECT relname, COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0) AS scans, n_tup_ins AS ins, n_tup_upd AS upd FROM pg_stat_user_tables',
    )
  ).rows)
    tables[t.relname] = { scans: Number(t.scans), ins: Number(t.ins), upd: Number(t.upd) };
  return {
    worker: await cpu(stack.worker.pid),
    server: await cpu(stack.temporal.pid),
    api: await cpu(stack.api.process?.child.pid),
    postgres,
    db: {
      xact: Number(db.xact),
      returned: Number(db.returned),
      fetched: Number(db.fetched),
      inserted: Number(db.inserted),
      updated: Number(db.updated),
    },
    tables,
    rpcs: await rpcCounters(stack),
  };
}

/** Temporal Core's `temporal_request` counters of the worker process, by operation. */
async function rpcCounters(stack: ProductStack): Promise<Map<string, number>> {
  const res = await fetch(`${stack.worker.healthUrl}/metrics`, {
    headers: { authorization: `Bearer ${stack.operatorKey}` },
  });
  const text = await res.text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^temporal_(?:long_)?request(?:_total)?\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!m) continue;
    const op = /operation="([^"]+)"/.exec(m[1]!)?.[1] ?? '?';
    const long = line.startsWith('temporal_long_request') ? ' (long poll)' : '';
    counts.set(op + long, (counts.get(op + long) ?? 0) + Number(m[2]));
  }
  return counts;
}

function diffCounters(a: Map<string, number>, b: Map<string, number>): [string, number][] {
  return [...b.entries()]
    .map(([k, v]) => [k, v - (a.get(k) ?? 0)] as [string, number])
    .filter(([, v]) => v > 0);
}

async function histories(stack: ProductStack, bulkIds: string[]) {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection });
    const journeys = await stack.db.journey.findMany({
      select: { id: true },
      take: 3,
      orderBy: { createdAt: 'asc' },
    });
    for (const { id } of journeys.slice(0, 1)) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      const events = history.events ?? [];
      log(`\nhistory of ${id} (${events.length} events):`);
      for (const e of events) {
        const type = String(e.eventType);
        const detail =
          e.activityTaskScheduledEventAttributes?.activityType?.name ??
          e.markerRecordedEventAttributes?.markerName ??
          e.timerStartedEventAttributes?.startToFireTimeout?.seconds?.toString() ??
          '';
        log(`  ${e.eventId} ${type}${detail ? ` ${detail}` : ''}`);
      }
    }
    for (const id of bulkIds) {
      const history = await client.workflow
        .getHandle(id)
        .fetchHistory()
        .catch(() => null);
      if (history) log(`\nthe upload's workflow: ${history.events?.length ?? 0} events for ${n} rows`);
    }
  } finally {
    await connection.close();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time by package and by our own module, from the worker's .cpuprofile. */
async function summariseProfile(dir: string) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) {
    log(`no CPU profile in ${dir}`);
    return;
  }
  const prof = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const self = new Map<number, number>();
  prof.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[k] ?? 0) / 1000));
  const byPackage = new Map<string, number>();
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const where = packageOf(node.callFrame.url, node.callFrame.functionName);
    if (where === '(idle)') continue;
    total += ms;
    byPackage.set(where, (byPackage.get(where) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    // Inclusive, per our module on the (synchronous) stack: each module once per sample.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      if (!url.includes('/work/') || url.includes('node_modules')) continue;
      const mod = shortUrl(url);
      if (seen.has(mod)) continue;
      seen.add(mod);
      inclusive.set(mod, (inclusive.get(mod) ?? 0) + ms);
    }
    if (where === 'ours')
      byModule.set(shortUrl(node.callFrame.url), (byModule.get(shortUrl(node.callFrame.url)) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
  log(`\nworker CPU profile (${files[0]}): ${total.toFixed(0)} ms busy in the whole run (start-up included)`);
  log('self time by package:');
  for (const [p, ms] of top(byPackage, 25))
    log(`  ${p.padEnd(40)} ${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%`);
  log('self time by function (top 40):');
  for (const [f, ms] of top(byFunction, 40)) log(`  ${ms.toFixed(0).padStart(7)} ms  ${f}`);
  log('inclusive time under our modules (synchronous stacks only):');
  for (const [m, ms] of top(inclusive, 30)) log(`  ${m.padEnd(50)} ${ms.toFixed(0).padStart(7)} ms`);
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/work\/wt\/[^/]+\//, '')
    .replace(/^.*node_modules\//, '~/');
}

function packageOf(url: string, fn: string): string {
  if (!url) {
    if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') return fn;
    return `(native) ${fn}`.slice(0, 40);
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    const pkg = m[1]!;
    if (pkg === '@prisma/client' || pkg.startsWith('@prisma/')) {
      return `${pkg} ${/runtime\/([^/]+)/.exec(url)?.[1] ?? ''}`.trim();
    }
    return pkg;
  }
  if (url.startsWith('node:')) return url;
  if (url.includes('workflow-bundle')) return 'workflow bundle (v8 isolate)';
  if (url.includes('db/generated')) return 'prisma generated client';
  return 'ours';
}
