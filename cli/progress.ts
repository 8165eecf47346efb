/**
 * A progress bar for long work, written to stderr. On a terminal it is one line that updates in
 * place; otherwise (a pipe, a CI log) it writes one line per 10 % so logs stay readable.
 */
export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBar {
  update(done: number, note?: string): void;
  /** Ends the bar at 100 % (a final line break on a terminal). */
  finish(note?: string): void;
  /** Ends the bar where it is (the work did not finish, e.g. an error). */
  abort(): void;
}

export function createProgressBar(out: ProgressOutput, total: number, label = 'progress'): ProgressBar {
  const tty = out.isTTY === true;
  let lastDecile = -1;
  let lastLine = '';
  let finished = false;
  const percentOf = (done: number) => (total > 0 ? Math.floor((Math.min(done, total) / total) * 100) : 100);
  const render = (done: number, note?: string) => {
    const percent = percentOf(done);
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    return `${label} [${bar}] ${String(percent).padStart(3)}% ${done}/${total}${note ? `  ${note}` : ''}`;
  };
  const update = (done: number, note?: string) => {
    if (finished) return;
    if (tty) {
      const line = render(done, note);
      if (line === lastLine) return;
      lastLine = line;
      const max = (out.columns ?? 120) - 1;
      out.write(`\r\x1b[2K${line.length > max ? line.slice(0, max) : line}`);
      return;
    }
    const decile = Math.floor(percentOf(done) / 10);
    if (decile <= lastDecile) return;
    lastDecile = decile;
    out.write(`${render(done, note)}\n`);
  };
  return {
    update,
    finish(note) {
      if (finished) return;
      update(total, note);
      finished = true;
      if (tty) out.write('\n');
    },
    abort() {
      if (finished) return;
      finished = true;
      if (tty) out.write('\n');
    },
  };
}
