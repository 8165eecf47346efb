import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { procStats } from './proc-stats.js';
import { waitFor } from './processes.js';

/**
 * Memory readings of a running process for the benchmarks: its resident memory once it has settled,
 * the heap figures its /metrics reports, and V8 heap snapshots on demand.
 */

/**
 * RSS once it stops moving: sampled every `intervalMs` until `stableSamples` readings in a row stay
 * within 1 % (V8's memory reducer runs its full collections once the process is idle), or `maxMs`.
 */
export async function settledRss(
  pid: number,
  options: { intervalMs?: number; stableSamples?: number; maxMs?: number } = {},
): Promise<{ rssBytes: number; settled: boolean; waitedMs: number }> {
  const interval = options.intervalMs ?? 2_000;
  const needed = options.stableSamples ?? 4;
  const t0 = Date.now();
  let last = (await procStats(pid)).rssBytes;
  let stable = 0;
  while (Date.now() - t0 < (options.maxMs ?? 90_000)) {
    await new Promise((r) => setTimeout(r, interval));
    const rss = (await procStats(pid)).rssBytes;
    stable = Math.abs(rss - last) <= last * 0.01 ? stable + 1 : 0;
    last = rss;
    if (stable >= needed) return { rssBytes: rss, settled: true, waitedMs: Date.now() - t0 };
  }
  return { rssBytes: last, settled: false, waitedMs: Date.now() - t0 };
}

/** Gauges from a Prometheus text page (prom-client's Node figures, Temporal Core's cache size). */
export async function scrapeGauges(
  url: string,
  bearer: string,
  names: readonly string[],
): Promise<Record<string, number | undefined>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  const text = await res.text();
  const out: Record<string, number | undefined> = {};
  for (const name of names) {
    // Summed over label sets (Core labels its gauges by task queue and namespace).
    const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'gm'))];
    out[name] = values.length ? values.reduce((k, m) => k + Number(m[1]), 0) : undefined;
  }
  return out;
}

/**
 * Asks a process started with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>` for a heap
 * snapshot (V8 collects garbage first) and answers its path once the file is complete.
 */
export async function takeHeapSnapshot(pid: number, dir: string, timeoutMs = 600_000): Promise<string> {
  const before = new Set(await snapshotsIn(dir));
  process.kill(pid, 'SIGUSR2');
  const file = await waitFor(
    `a heap snapshot of ${pid} in ${dir}`,
    async () => (await snapshotsIn(dir)).find((f) => !before.has(f)),
    timeoutMs,
  );
  // Written in one go by the process's main thread: complete once its size stops changing.
  let size = -1;
  await waitFor(
    `the heap snapshot ${file} to be written`,
    async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = (await stat(file)).size;
      const done = now > 0 && now === size;
      size = now;
      return done;
    },
    timeoutMs,
  );
  return file;
}

async function snapshotsIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.heapsnapshot')).map((f) => path.join(dir, f));
}
