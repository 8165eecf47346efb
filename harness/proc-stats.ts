import { readFile } from 'node:fs/promises';

/** CPU time and resident memory of one process, read from Linux's /proc (no sampling tool needed). */
export interface ProcStats {
  /** user + system CPU seconds since the process started */
  cpuSeconds: number;
  rssBytes: number;
}

// Clock ticks per second for /proc/<pid>/stat times: 100 on every Linux this runs on (USER_HZ).
const TICKS_PER_SECOND = 100;

export async function procStats(pid: number): Promise<ProcStats> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
}

/** CPU used between two readings, as a share of one core over the wall time between them. */
export function cpuShare(before: ProcStats, after: ProcStats, wallSeconds: number): number {
  return wallSeconds > 0 ? (after.cpuSeconds - before.cpuSeconds) / wallSeconds : 0;
}

/** Samples a process's RSS every `intervalMs` and keeps the peak (a process can be replaced: pid()). */
export function rssPeakSampler(pid: () => number | undefined, intervalMs = 250) {
  let peak = 0;
  const timer = setInterval(() => {
    const p = pid();
    if (p === undefined) return;
    procStats(p)
      .then((s) => (peak = Math.max(peak, s.rssBytes)))
      .catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return {
    get peakBytes() {
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}
