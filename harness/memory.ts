import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { procStats } from './proc-stats.js';

/**
 * Memory readings of a running process for the benchmarks: its resident memory once it has settled,
 * the heap figures its /metrics reports, and V8 heap snapshots on demand.
 */

/**
 * RSS once it stops moving: sampled every `intervalMs` until `stableSamples` readings in a row stay
 * within 1 %, or `maxMs`. Settled is not collected: an idle process keeps the garbage of its last
 * work until V8's next collection (threadHeaps with `gc` reads the heaps after one).
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

/**
 * The RSS of a process left alone, read every 5 s for `seconds`, and the last reading. A settled
 * reading can come before V8's memory reducer has run: it starts 8 s after an isolate's last
 * full collection, once the allocation rate is low, and collects and shrinks the heap in a few
 * passes; an idle worker's RSS drops by tens of MB some 10–30 s after it settled.
 */
export async function idleRss(
  pid: number,
  seconds: number,
): Promise<{ seconds: number; lastBytes: number; readingsMb: number[] }> {
  const readingsMb: number[] = [];
  let lastBytes = (await procStats(pid)).rssBytes;
  for (let t = 5; t <= seconds; t += 5) {
    await new Promise((r) => setTimeout(r, 5_000));
    lastBytes = (await procStats(pid)).rssBytes;
    readingsMb.push(Math.round(lastBytes / 2 ** 20));
  }
  return { seconds, lastBytes, readingsMb };
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

/** One thread's V8 heap, from harness/thread-heap-probe.mjs. */
export interface ThreadHeap {
  thread: string;
  title: string;
  usedBytes: number;
  totalBytes: number;
}

/** Node options that preload the thread heap probe (it answers on GREENROOM_THREAD_PROBE_PORT). */
export function threadProbeNodeArgs(): string[] {
  return ['--import', path.join(path.dirname(fileURLToPath(import.meta.url)), 'thread-heap-probe.mjs')];
}

/** The V8 heap of each thread of a process started with the probe (`gc`: after a full collection of each). */
export async function threadHeaps(port: number, gc: boolean): Promise<ThreadHeap[]> {
  const res = await fetch(`http://127.0.0.1:${port}/heap${gc ? '?gc=1' : ''}`, {
    signal: AbortSignal.timeout(120_000),
  });
  if (!res.ok) throw new Error(`thread heap probe: ${res.status} ${await res.text()}`);
  return (await res.json()) as ThreadHeap[];
}

/** A heap snapshot of one thread (`main` or a worker thread's id) written to `file` by the probe. */
export async function threadHeapSnapshot(port: number, thread: string, file: string): Promise<string> {
  const res = await fetch(
    `http://127.0.0.1:${port}/snapshot?thread=${encodeURIComponent(thread)}&file=${encodeURIComponent(file)}`,
    { signal: AbortSignal.timeout(600_000) },
  );
  if (!res.ok) throw new Error(`thread heap probe: ${res.status} ${await res.text()}`);
  return file;
}

/**
 * Where a process's resident memory is, from /proc/<pid>/smaps: anonymous memory in mappings of
 * 32 MB or more (glibc's per-thread malloc arenas reserve 64 MB each), in smaller anonymous mappings
 * (V8's heap pages, the main malloc heap), and file-backed (code).
 */
export async function rssBreakdown(
  pid: number,
): Promise<{ anonLargeBytes: number; anonSmallBytes: number; heapBytes: number; fileBytes: number }> {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const out = { anonLargeBytes: 0, anonSmallBytes: 0, heapBytes: 0, fileBytes: 0 };
  let size = 0;
  let kind: 'anon' | 'heap' | 'file' = 'anon';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      const [from, to] = line
        .split(' ')[0]!
        .split('-')
        .map((h) => parseInt(h, 16)) as [number, number];
      size = to - from;
      const name = head[2] ?? '';
      kind = name === '[heap]' ? 'heap' : name === '' || name.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const bytes = Number(rss[1]) * 1024;
    if (kind === 'file') out.fileBytes += bytes;
    else if (kind === 'heap') out.heapBytes += bytes;
    else if (size >= 32 * 1024 * 1024) out.anonLargeBytes += bytes;
    else out.anonSmallBytes += bytes;
  }
  return out;
}
