// `npm run bench:publish`: docs/benchmarks.md and its chart docs/benchmarks.svg from the record of
// published results, docs/benchmarks/ (one JSON per scenario), after merging into it the JSON results
// that `npm run bench` and `npm run faults` last wrote (harness/results.ts). The record is what lets a
// run of one scenario update the page without dropping the others. Targets come from the results
// themselves: each scenario declares them on its figures, so they live in one place.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../harness/processes.js';
import { meetsTarget, ratioOf, type Figure, type ScenarioResult } from '../harness/results.js';

/** Where the suites write their results, relative to the repository. */
export const RESULT_DIRS = ['bench/results', 'faults/results'];
/** The record of published results, relative to the repository: committed, one file per scenario. */
export const RECORD_DIR = 'docs/benchmarks';

const bySuiteThenName = (a: ScenarioResult, b: ScenarioResult) =>
  a.suite.localeCompare(b.suite) || a.name.localeCompare(b.name);

/** Every `*.json` of a directory as [file, result], by file name; a missing directory holds none. */
async function readResultDir(dir: string): Promise<[string, ScenarioResult][]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: [string, ScenarioResult][] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    out.push([full, parseResult(full, await readFile(full, 'utf8'))]);
  }
  return out;
}

/** Reads every `<name>.json` of these directories (a missing directory holds none), by suite then name. */
export async function loadResults(dirs: string[]): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const dir of dirs) results.push(...(await readResultDir(dir)).map(([, r]) => r));
  return results.sort(bySuiteThenName);
}

/** The record's file name for a scenario: suites may share scenario names, so the suite is part of it. */
export const recordFileName = (r: Pick<ScenarioResult, 'suite' | 'name'>) => `${r.suite}-${r.name}.json`;

/**
 * The record (a missing directory is an empty one), by suite then name. A file whose name is not its
 * scenario's is refused: it would be published beside the scenario's real file, twice.
 */
export async function loadRecord(dir: string): Promise<ScenarioResult[]> {
  const entries = await readResultDir(dir);
  for (const [file, r] of entries) {
    if (path.basename(file) !== recordFileName(r))
      throw new Error(`${file}: holds ${r.suite}/${r.name}, so it must be named ${recordFileName(r)}`);
  }
  return entries.map(([, r]) => r).sort(bySuiteThenName);
}

/** The fields of a result the record keeps (not the derived ratios and targetsMet of the suites' files). */
export function recordOf(r: ScenarioResult): ScenarioResult {
  return {
    suite: r.suite,
    name: r.name,
    description: r.description,
    ...(r.command === undefined ? {} : { command: r.command }),
    startedAt: r.startedAt,
    durationSeconds: r.durationSeconds,
    ...(r.machine === undefined ? {} : { machine: r.machine }),
    parameters: r.parameters,
    figures: r.figures,
    notes: r.notes,
  };
}

/** Writes each result to its record file (an unchanged result rewrites the same bytes). */
export async function writeRecord(dir: string, results: ScenarioResult[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const r of results)
    await writeFile(path.join(dir, recordFileName(r)), JSON.stringify(recordOf(r), null, 2) + '\n');
}

/** A smoke run: the runner marks it only in the command it records (harness/scenario.ts), not in its parameters. */
export const isSmoke = (r: ScenarioResult): boolean => /(^|\s)--smoke(\s|$)/.test(r.command ?? '');

/** Whether a fresh result takes a recorded one's place: a full run beats a smoke one, else the newer wins. */
export function supersedes(fresh: ScenarioResult, recorded: ScenarioResult): boolean {
  if (isSmoke(fresh) !== isSmoke(recorded)) return !isSmoke(fresh);
  return Date.parse(fresh.startedAt) > Date.parse(recorded.startedAt);
}

/**
 * The record after a run: each fresh result replaces the recorded one of its suite/name when it
 * supersedes it; a scenario only in the record stays, one only in the fresh results joins.
 */
export function mergeResults(record: ScenarioResult[], fresh: ScenarioResult[]): ScenarioResult[] {
  const merged = new Map(record.map((r) => [`${r.suite}/${r.name}`, r]));
  for (const r of fresh) {
    const recorded = merged.get(`${r.suite}/${r.name}`);
    if (!recorded || supersedes(r, recorded)) merged.set(`${r.suite}/${r.name}`, r);
  }
  return [...merged.values()].sort(bySuiteThenName);
}

/** One result file, checked for the fields the page needs; the error names the file and the field. */
export function parseResult(file: string, text: string): ScenarioResult {
  let r: Partial<ScenarioResult>;
  try {
    r = JSON.parse(text) as Partial<ScenarioResult>;
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    throw new Error(`${file}: not a result (a JSON object)`);
  for (const field of ['suite', 'name', 'description', 'startedAt'] as const) {
    if (typeof r[field] !== 'string') throw new Error(`${file}: field ${field} is missing or not text`);
  }
  // The merge compares dates: one it cannot read would never be replaced.
  if (Number.isNaN(Date.parse(r.startedAt!))) throw new Error(`${file}: field startedAt is not a date`);
  if (!Array.isArray(r.figures)) throw new Error(`${file}: field figures is missing or not a list`);
  r.figures.forEach((f: Partial<Figure>, i) => {
    if (typeof f.name !== 'string' || typeof f.value !== 'number')
      throw new Error(`${file}: figures[${i}] needs a name and a numeric value`);
  });
  return { notes: [], parameters: {}, durationSeconds: 0, ...r } as ScenarioResult;
}

const fmt = (n: number | undefined): string => {
  if (n === undefined || Number.isNaN(n)) return '–';
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 1 ? n.toFixed(2) : n.toFixed(3);
};
const opText = { '>=': '≥', '<=': '≤', '==': '=' } as const;
const targetText = (f: Figure) =>
  f.target ? `${f.target.on === 'ratio' ? 'ratio ' : ''}${opText[f.target.op]} ${fmt(f.target.value)}` : '–';
const metText = (f: Figure) => (!f.target ? '' : meetsTarget(f) ? 'met' : '**missed**');
/** Markdown table cells: no pipes or line breaks from figure names or notes. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const valueText = (f: Figure) => `${fmt(f.value)}${f.unit ? ` ${f.unit}` : ''}`;

/** "2 cores, load average 3.10 / 2.50 / 1.20 (1, 5, 15 min) at the end", or why it is unknown. */
export function machineText(r: ScenarioResult): string {
  if (!r.machine) return 'load not recorded (a result from before results carried it)';
  const [a, b, c] = r.machine.loadAverage;
  return `${r.machine.cores} cores, load average ${a.toFixed(2)} / ${b.toFixed(2)} / ${c.toFixed(2)} (1, 5, 15 min) at the end`;
}

/** The command that produced a result (recorded by the runner; rebuilt from the suite and name otherwise). */
export const commandOf = (r: ScenarioResult) => r.command ?? `npm run ${r.suite} -- ${r.name}`;

/** The figures the chart shows: those measured against a baseline in the same run. */
export function chartedFigures(
  results: ScenarioResult[],
): { scenario: string; figure: Figure; ratio: number }[] {
  return results.flatMap((r) =>
    r.figures.flatMap((figure) => {
      const ratio = ratioOf(figure);
      return ratio === undefined || !Number.isFinite(ratio) ? [] : [{ scenario: r.name, figure, ratio }];
    }),
  );
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A horizontal bar per ratio (value / baseline) with its target as a vertical line: green when the
 * target is met, red when missed, grey when the figure has no ratio target. Plain SVG text.
 */
export function renderChart(results: ScenarioResult[]): string {
  const rows = chartedFigures(results);
  const labelWidth = 360;
  const plotWidth = 420;
  const rowHeight = 28;
  const top = 40;
  const height = top + Math.max(1, rows.length) * rowHeight + 30;
  const width = labelWidth + plotWidth + 90;
  const scaleMax = Math.max(
    1,
    ...rows.map((r) => r.ratio),
    ...rows.map((r) => (r.figure.target?.on === 'ratio' ? r.figure.target.value : 0)),
  );
  const x = (ratio: number) => labelWidth + (Math.max(0, ratio) / scaleMax) * plotWidth;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>Each figure as a ratio to its baseline measured in the same run, against its target</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Ratio to baseline (bars) and target (black line)</text>`,
  ];
  // Gridlines at 0, the scale's halves and 1× baseline.
  for (const g of [0, 0.5, 1, scaleMax].filter((v, i, all) => v <= scaleMax && all.indexOf(v) === i)) {
    out.push(
      `<line x1="${x(g)}" y1="${top - 8}" x2="${x(g)}" y2="${height - 24}" stroke="#ddd"/>`,
      `<text x="${x(g)}" y="${height - 10}" text-anchor="middle" fill="#666">${fmt(g)}×</text>`,
    );
  }
  if (!rows.length) out.push(`<text x="${labelWidth}" y="${top + 16}">no figure with a baseline</text>`);
  rows.forEach(({ scenario, figure, ratio }, i) => {
    const y = top + i * rowHeight;
    const ratioTarget = figure.target?.on === 'ratio' ? figure.target : undefined;
    const colour = !ratioTarget ? '#9e9e9e' : meetsTarget(figure) ? '#2e7d32' : '#c62828';
    out.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${xml(`${scenario}: ${figure.name}`)}</text>`,
      `<rect class="ratio" x="${labelWidth}" y="${y + 4}" width="${(x(ratio) - labelWidth).toFixed(1)}" height="${rowHeight - 10}" fill="${colour}"/>`,
      `<text x="${(x(ratio) + 4).toFixed(1)}" y="${y + 16}">${fmt(ratio)}</text>`,
    );
    if (ratioTarget) {
      out.push(
        `<line class="target" x1="${x(ratioTarget.value).toFixed(1)}" y1="${y + 1}" x2="${x(ratioTarget.value).toFixed(1)}" y2="${y + rowHeight - 3}" stroke="#000" stroke-width="2"><title>${xml(`target ${targetText(figure)}`)}</title></line>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Where the page links to: its chart and the record's directory, relative to the page. */
export interface PageLinks {
  chart: string;
  record: string;
}

/** The page: a summary of every target, then each scenario with its command, date, load, figures and notes. */
export function renderMarkdown(results: ScenarioResult[], links: PageLinks, context: string[] = []): string {
  const lines = [
    '# Benchmarks and fault scenarios: the published results',
    '',
    `Generated by \`npm run bench:publish\` (bench/publish.ts) from the record of published results, [${links.record}/](${links.record}/)`,
    '(one JSON per scenario), into which it first merges the fresh results that `npm run bench` and `npm run faults`',
    'wrote (bench/results, faults/results). A scenario not run since keeps its last published result, so each',
    'scenario shows its own date (its Run (UTC) cells, its Started line): a newer run replaces it, a smoke run never',
    'replaces a full one. Do not edit by hand: run the suites, then the script.',
    'Ratios are value / baseline, both measured in the same run; targets are the ones each scenario declares.',
    'A command with `--smoke` means the small size that `npm test` also runs, not the full one.',
    '',
    ...context.flatMap((c) => [`> ${c.replace(/\r?\n/g, ' ')}`, '']),
    `![Each ratio to its baseline against its target](${links.chart})`,
    '',
  ];
  if (!results.length) {
    lines.push('No results yet: run `npm run bench` and `npm run faults`, then `npm run bench:publish`.');
    return lines.join('\n') + '\n';
  }
  lines.push(
    '## Targets',
    '',
    '| Scenario | Figure | Value | Baseline | Ratio | Target | Met | Run (UTC) | Load (1 min) |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    for (const f of r.figures.filter((g) => g.target || g.baseline !== undefined)) {
      lines.push(
        `| ${r.suite}/${r.name} | ${cell(f.name)} | ${valueText(f)} | ${fmt(f.baseline)} | ${fmt(ratioOf(f))} | ${targetText(f)} | ${metText(f)} | ${r.startedAt.slice(0, 16).replace('T', ' ')} | ${r.machine ? r.machine.loadAverage[0].toFixed(2) : '–'} |`,
      );
    }
  }
  for (const r of results) {
    lines.push(
      '',
      `## ${r.suite}/${r.name}`,
      '',
      cell(r.description),
      '',
      `- Command: \`${commandOf(r)}\``,
      `- Started ${r.startedAt}, ran ${fmt(Math.round(r.durationSeconds))} s`,
      `- Machine: ${machineText(r)}`,
      `- Parameters: \`${JSON.stringify(r.parameters)}\``,
      '',
      '| Figure | Value | Baseline | Ratio | Target | Met |',
      '|---|---|---|---|---|---|',
      ...r.figures.map(
        (f) =>
          `| ${cell(f.name)} | ${valueText(f)} | ${fmt(f.baseline)} | ${fmt(ratioOf(f))} | ${targetText(f)} | ${metText(f)} |`,
      ),
    );
    if (r.notes.length) lines.push('', ...r.notes.map((n) => `- ${n.replace(/\r?\n/g, ' ')}`));
  }
  return lines.join('\n') + '\n';
}

/** A markdown link from the page to a file or directory: relative, with forward slashes. */
const linkFrom = (markdownFile: string, target: string) =>
  path.relative(path.dirname(markdownFile), target).split(path.sep).join('/');

/**
 * Merges the fresh results into the record, writes the record, then the page and its chart from it.
 * Returns the scenarios published and the fresh results taken and left out (the record held a full
 * or newer run).
 */
export async function publish(options: {
  resultDirs: string[];
  recordDir: string;
  markdownFile: string;
  chartFile: string;
  /** What the reader must know about this run (`--note=…`): the machine's state, what was not run. */
  context?: string[];
}): Promise<{ published: number; taken: string[]; leftOut: string[] }> {
  const fresh = await loadResults(options.resultDirs);
  const results = mergeResults(await loadRecord(options.recordDir), fresh);
  await writeRecord(options.recordDir, results);
  const links = {
    chart: linkFrom(options.markdownFile, options.chartFile),
    record: linkFrom(options.markdownFile, options.recordDir),
  };
  await writeFile(options.chartFile, renderChart(results));
  await writeFile(options.markdownFile, renderMarkdown(results, links, options.context));
  const key = (r: ScenarioResult) => `${r.suite}/${r.name}`;
  return {
    published: results.length,
    taken: fresh.filter((r) => results.includes(r)).map(key),
    leftOut: fresh.filter((r) => !results.includes(r)).map(key),
  };
}

// `npm run bench:publish -- [--note="what the reader must know" …]`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const markdownFile = path.join(repoRoot, 'docs/benchmarks.md');
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !a.startsWith('--note='));
  if (unknown.length) {
    console.error(`unknown argument ${unknown.join(' ')} (only --note="…")`);
    process.exit(2);
  }
  const { published, taken, leftOut } = await publish({
    context: args.map((a) => a.slice('--note='.length)),
    resultDirs: RESULT_DIRS.map((d) => path.join(repoRoot, d)),
    recordDir: path.join(repoRoot, RECORD_DIR),
    markdownFile,
    chartFile: path.join(repoRoot, 'docs/benchmarks.svg'),
  });
  console.log(`fresh results taken into ${RECORD_DIR}/: ${taken.join(', ') || 'none'}`);
  if (leftOut.length) console.log(`left out (the record holds a full or a newer run): ${leftOut.join(', ')}`);
  console.log(
    `published ${published} scenario(s) to ${path.relative(repoRoot, markdownFile)} and docs/benchmarks.svg`,
  );
}
