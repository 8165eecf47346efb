import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { repoRoot } from './processes.js';

/**
 * What a benchmark or fault scenario measured: figures with their targets and, where there is
 * one, the baseline measured in the same run. Printed as a table and written as JSON.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the baseline in the same run; the ratio is printed next to it. */
  baseline?: number;
  /** What must hold: on `value` itself, or on `value / baseline` when `on` is 'ratio'. */
  target?: { op: '>=' | '<=' | '=='; value: number; on?: 'value' | 'ratio' };
}

export interface ScenarioResult {
  suite: 'bench' | 'faults';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  figures: Figure[];
  /** Free-form notes: why a target may be missed, what the machine was doing. */
  notes: string[];
  startedAt: string;
  durationSeconds: number;
  /**
   * The machine when the scenario ended: its cores and load averages (1, 5 and 15 minutes), so a
   * figure is read with how busy the machine was (bench/publish.ts prints them).
   */
  machine?: { cores: number; loadAverage: [number, number, number]; endedAt: string };
  /** The command that produced it (`npm run bench -- test-status-load --smoke`), when run from one. */
  command?: string;
}

export function ratioOf(f: Figure): number | undefined {
  return f.baseline ? f.value / f.baseline : undefined;
}

/** Whether a figure meets its target (true when it has none). */
export function meetsTarget(f: Figure): boolean {
  if (!f.target) return true;
  const x = f.target.on === 'ratio' ? ratioOf(f) : f.value;
  if (x === undefined || Number.isNaN(x)) return false;
  if (f.target.op === '>=') return x >= f.target.value;
  if (f.target.op === '<=') return x <= f.target.value;
  return x === f.target.value;
}

const fmt = (n: number) =>
  Number.isInteger(n)
    ? String(n)
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 1
        ? n.toFixed(2)
        : n.toFixed(3);

export function formatResult(r: ScenarioResult): string {
  const lines = [`${r.suite}/${r.name}: ${r.description} (${r.durationSeconds.toFixed(0)} s)`];
  lines.push(`  parameters: ${JSON.stringify(r.parameters)}`);
  for (const f of r.figures) {
    const ratio = ratioOf(f);
    const target = f.target
      ? `  target ${f.target.on === 'ratio' ? 'ratio ' : ''}${f.target.op === '==' ? '=' : f.target.op === '>=' ? '≥' : '≤'} ${fmt(f.target.value)}: ${meetsTarget(f) ? 'met' : 'MISSED'}`
      : '';
    const base =
      f.baseline !== undefined
        ? `  baseline ${fmt(f.baseline)}  ratio ${ratio === undefined ? '-' : fmt(ratio)}`
        : '';
    lines.push(`  ${f.name.padEnd(34)} ${`${fmt(f.value)} ${f.unit}`.padEnd(22)}${base}${target}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** Prints the result and writes `<suite>/results/<name>.json`; returns the JSON file's path. */
export async function publishResult(r: ScenarioResult, outDir?: string): Promise<string> {
  console.log(formatResult(r));
  const dir = outDir ?? path.join(repoRoot, r.suite, 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${r.name}.json`);
  const ratios = Object.fromEntries(r.figures.filter((f) => f.baseline).map((f) => [f.name, ratioOf(f)]));
  await writeFile(
    file,
    JSON.stringify({ ...r, ratios, targetsMet: r.figures.every(meetsTarget) }, null, 2) + '\n',
  );
  return file;
}

/** Percentile (nearest rank) of an unsorted list of numbers. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Benchmarks share the machine (other stacks, other runs): say how busy it was. */
export function machineNote(): string {
  const [one, five] = loadavg();
  return `load average at the end: ${one!.toFixed(1)} (1 min), ${five!.toFixed(1)} (5 min) on ${availableParallelism()} cores`;
}
