import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chartedFigures,
  loadRecord,
  loadResults,
  mergeResults,
  parseResult,
  publish,
  recordOf,
  renderChart,
} from '../../bench/publish.js';
import type { ScenarioResult } from '../../harness/results.js';

// bench/publish.ts on fixture results: the page carries each figure with its baseline, ratio,
// target, command, date and load, and the chart one bar per ratio against its target line.
const bench: ScenarioResult = {
  suite: 'bench',
  name: 'test-status-load',
  description: 'partner test_status under load vs a constant route',
  parameters: { journeys: 10_000, connections: 10 },
  figures: [
    {
      name: 'req/s',
      value: 1200,
      unit: 'req/s',
      baseline: 2000,
      target: { op: '>=', value: 0.5, on: 'ratio' },
    },
    { name: 'p99 | tail', value: 14.5, unit: 'ms', target: { op: '<=', value: 10 } },
    { name: 'CPU per request', value: 0.4, unit: 'ms', baseline: 0.2 },
    { name: 'non-2xx responses', value: 0, unit: '', target: { op: '==', value: 0 } },
  ],
  notes: ['machine: 2 cores'],
  startedAt: '2026-12-03T22:30:00.000Z',
  durationSeconds: 301.4,
  machine: { cores: 2, loadAverage: [3.25, 2.5, 1.75], endedAt: '2026-12-03T22:35:00.000Z' },
  command: 'npm run bench -- test-status-load',
};
const fault: ScenarioResult = {
  suite: 'faults',
  name: 'worker-kills',
  description: 'kill <the> worker & see',
  parameters: {},
  figures: [
    {
      name: 'journeys/s',
      value: 30,
      unit: '/s',
      baseline: 100,
      target: { op: '>=', value: 0.5, on: 'ratio' },
    },
  ],
  notes: [],
  startedAt: '2026-12-03T23:00:00.000Z',
  durationSeconds: 60,
};

describe('bench:publish', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'publish-'));
    await mkdir(path.join(dir, 'bench'));
    await mkdir(path.join(dir, 'faults'));
    await mkdir(path.join(dir, 'docs'));
    await writeFile(path.join(dir, 'bench', 'test-status-load.json'), JSON.stringify(bench));
    await writeFile(path.join(dir, 'faults', 'worker-kills.json'), JSON.stringify(fault));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes every figure with its baseline, ratio, target, command, date and load, and links the chart', async () => {
    const markdownFile = path.join(dir, 'docs', 'benchmarks.md');
    const chartFile = path.join(dir, 'docs', 'benchmarks.svg');
    const { published } = await publish({
      resultDirs: [path.join(dir, 'bench'), path.join(dir, 'faults'), path.join(dir, 'absent')],
      recordDir: path.join(dir, 'docs', 'benchmarks'),
      markdownFile,
      chartFile,
      context: ['Run on a shared machine:\nload 20–40.'],
    });
    expect(published).toBe(2);
    const md = await readFile(markdownFile, 'utf8');
    expect(md).toContain(
      '> Run on a shared machine: load 20–40.\n\n![Each ratio to its baseline against its target](benchmarks.svg)',
    );
    // Summary row: value, baseline, ratio, target, verdict, date, 1-minute load.
    expect(md).toContain(
      '| bench/test-status-load | req/s | 1200 req/s | 2000 | 0.600 | ratio ≥ 0.500 | met | 2026-12-03 22:30 | 3.25 |',
    );
    expect(md).toContain('| bench/test-status-load | p99 \\| tail | 14.50 ms | – | – | ≤ 10 | **missed** |');
    expect(md).toContain(
      '| faults/worker-kills | journeys/s | 30 /s | 100 | 0.300 | ratio ≥ 0.500 | **missed** |',
    );
    expect(md).toContain('- Command: `npm run bench -- test-status-load`');
    expect(md).toContain('- Command: `npm run faults -- worker-kills`'); // rebuilt when not recorded
    expect(md).toContain('- Machine: 2 cores, load average 3.25 / 2.50 / 1.75 (1, 5, 15 min) at the end');
    expect(md).toContain('- Machine: load not recorded');
    expect(md).toContain('- Started 2026-12-03T22:30:00.000Z, ran 301 s');
    expect(md).toContain('| CPU per request | 0.400 ms | 0.200 | 2 | – |  |');
    expect(md).toContain('| non-2xx responses | 0 | – | – | = 0 | met |');
    expect(md.indexOf('## bench/test-status-load')).toBeLessThan(md.indexOf('## faults/worker-kills'));

    const svg = await readFile(chartFile, 'utf8');
    expect(svg).toBe(renderChart(await loadResults([path.join(dir, 'bench'), path.join(dir, 'faults')])));
  });

  it('draws one bar per ratio and a target line for each ratio target, coloured by verdict', () => {
    const svg = renderChart([bench, fault]);
    expect(chartedFigures([bench, fault]).map((r) => r.ratio)).toEqual([0.6, 2, 0.3]);
    const bars = [...svg.matchAll(/<rect class="ratio"[^>]*width="([\d.]+)"[^>]*fill="([^"]+)"/g)];
    expect(bars.map((b) => b[2])).toEqual(['#2e7d32', '#9e9e9e', '#c62828']); // met, no target, missed
    // Widths are proportional to the ratios (scale: the largest, 2×, over 420 px).
    expect(bars.map((b) => Number(b[1]))).toEqual([126, 420, 63]);
    const targets = [...svg.matchAll(/<line class="target" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(targets).toEqual([360 + 105, 360 + 105]); // 0.5× for both ratio targets
    expect(svg).toContain('worker-kills: journeys/s');
    expect(svg).not.toContain('<the>'); // text is escaped
  });

  it('refuses a malformed result naming the file and the field', () => {
    expect(() => parseResult('x.json', '{')).toThrow(/x\.json: not JSON/);
    expect(() => parseResult('y.json', JSON.stringify({ ...bench, figures: undefined }))).toThrow(
      /y\.json: field figures is missing/,
    );
    expect(() =>
      parseResult('z.json', JSON.stringify({ ...bench, figures: [{ name: 'a', value: 'fast' }] })),
    ).toThrow(/z\.json: figures\[0\] needs a name and a numeric value/);
    expect(() => parseResult('w.json', JSON.stringify({ ...bench, suite: 3 }))).toThrow(
      /w\.json: field suite/,
    );
  });
});

// The record of published results (docs/benchmarks/): a partial or smoke run must not drop or
// overwrite what the page already holds.
const at = (r: ScenarioResult, startedAt: string, command?: string): ScenarioResult => ({
  ...r,
  startedAt,
  ...(command === undefined ? {} : { command }),
});
const names = (results: ScenarioResult[]) => results.map((r) => `${r.suite}/${r.name} ${r.startedAt}`);

describe('mergeResults', () => {
  const full = 'npm run bench -- test-status-load';
  const smoke = 'npm run bench -- test-status-load --smoke';
  const old = at(bench, '2026-12-01T00:00:00.000Z', full);
  const newer = at(bench, '2026-12-05T00:00:00.000Z', full);

  it('replaces a recorded result by a newer one of the same suite and name, not by an older one', () => {
    expect(mergeResults([old], [newer])).toEqual([newer]);
    expect(mergeResults([newer], [old])).toEqual([newer]);
  });

  it('never replaces a full result by a smoke one, however new', () => {
    const newerSmoke = at(bench, '2026-12-05T00:00:00.000Z', smoke);
    expect(mergeResults([old], [newerSmoke])).toEqual([old]);
  });

  it('replaces a smoke result by a full one, even an older one', () => {
    const recordedSmoke = at(bench, '2026-12-05T00:00:00.000Z', smoke);
    expect(mergeResults([recordedSmoke], [old])).toEqual([old]);
    // Between two smoke runs the newer wins.
    const newerSmoke = at(bench, '2026-12-06T00:00:00.000Z', smoke);
    expect(mergeResults([recordedSmoke], [newerSmoke])).toEqual([newerSmoke]);
  });

  it('keeps a scenario only in the record, adds one only in the fresh results, by suite then name', () => {
    const other = {
      ...bench,
      name: 'bulk-invite-throughput',
      command: 'npm run bench -- bulk-invite-throughput',
    };
    expect(names(mergeResults([fault, old], [other]))).toEqual([
      `bench/bulk-invite-throughput ${bench.startedAt}`,
      `bench/test-status-load ${old.startedAt}`,
      `faults/worker-kills ${fault.startedAt}`,
    ]);
  });

  it('tells a suite from another: a scenario name shared by both suites is two scenarios', () => {
    const benchKills = { ...fault, suite: 'bench' as const };
    expect(mergeResults([fault], [benchKills])).toEqual([benchKills, fault]);
  });
});

describe('bench:publish with a record', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'publish-record-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Makes both directories, the record holding a full run of `bench` from 2026-12-01; answers it. */
  async function recordFullRun(recordDir: string, resultDir: string): Promise<ScenarioResult> {
    await mkdir(recordDir, { recursive: true });
    await mkdir(resultDir, { recursive: true });
    const recorded = at(bench, '2026-12-01T00:00:00.000Z', 'npm run bench -- test-status-load');
    await writeFile(path.join(recordDir, 'bench-test-status-load.json'), JSON.stringify(recorded));
    return recorded;
  }

  it('merges a partial run into the record and publishes the old scenarios with the fresh one', async () => {
    const recordDir = path.join(dir, 'docs', 'benchmarks');
    const resultDir = path.join(dir, 'bench', 'results');
    await recordFullRun(recordDir, resultDir);
    await writeFile(path.join(recordDir, 'faults-worker-kills.json'), JSON.stringify(fault));
    // A fresh run of one scenario, as harness/results.ts writes it (with its derived fields).
    const fresh = at(bench, '2026-12-05T08:00:00.000Z', 'npm run bench -- test-status-load');
    fresh.figures = [{ ...bench.figures[0]!, value: 1500 }];
    await writeFile(
      path.join(resultDir, 'test-status-load.json'),
      JSON.stringify({ ...fresh, ratios: { 'req/s': 0.75 }, targetsMet: true }),
    );

    const markdownFile = path.join(dir, 'docs', 'benchmarks.md');
    const outcome = await publish({
      resultDirs: [resultDir, path.join(dir, 'faults', 'results')],
      recordDir,
      markdownFile,
      chartFile: path.join(dir, 'docs', 'benchmarks.svg'),
    });
    expect(outcome).toEqual({ published: 2, taken: ['bench/test-status-load'], leftOut: [] });

    // The record now holds the fresh result (without derived fields) and still the fault scenario.
    expect(await loadRecord(recordDir)).toEqual([fresh, fault].map(recordOf));
    const stored = await readFile(path.join(recordDir, 'bench-test-status-load.json'), 'utf8');
    expect(stored).not.toContain('targetsMet');

    const md = await readFile(markdownFile, 'utf8');
    // The header says where the results come from, with a link relative to the page.
    expect(md).toContain('from the record of published results, [benchmarks/](benchmarks/)');
    expect(md).toContain('so each\nscenario shows its own date');
    expect(md).toContain(
      '| bench/test-status-load | req/s | 1500 req/s | 2000 | 0.750 | ratio ≥ 0.500 | met | 2026-12-05 08:00 |',
    );
    expect(md).toContain('## faults/worker-kills');
    expect(md).toContain('| faults/worker-kills | journeys/s | 30 /s | 100 | 0.300 |');
  });

  it('leaves out a fresh smoke run when the record holds a full one', async () => {
    const recordDir = path.join(dir, 'smoke', 'record');
    const resultDir = path.join(dir, 'smoke', 'results');
    const recorded = await recordFullRun(recordDir, resultDir);
    const smokeRun = at(bench, '2026-12-05T00:00:00.000Z', 'npm run bench -- test-status-load --smoke');
    await writeFile(path.join(resultDir, 'test-status-load.json'), JSON.stringify(smokeRun));
    const outcome = await publish({
      resultDirs: [resultDir],
      recordDir,
      markdownFile: path.join(dir, 'smoke', 'benchmarks.md'),
      chartFile: path.join(dir, 'smoke', 'benchmarks.svg'),
    });
    expect(outcome).toEqual({ published: 1, taken: [], leftOut: ['bench/test-status-load'] });
    expect(await loadRecord(recordDir)).toEqual([recordOf(recorded)]);
  });

  it('refuses a record file that is not JSON or not named after its scenario, naming the file', async () => {
    const recordDir = path.join(dir, 'bad');
    await mkdir(recordDir, { recursive: true });
    const bad = path.join(recordDir, 'bench-test-status-load.json');
    await writeFile(bad, '{"suite": "bench",');
    const run = () =>
      publish({
        resultDirs: [],
        recordDir,
        markdownFile: path.join(dir, 'bad.md'),
        chartFile: path.join(dir, 'bad.svg'),
      });
    await expect(run()).rejects.toThrow(`${bad}: not JSON`);
    await writeFile(bad, JSON.stringify(fault));
    await expect(run()).rejects.toThrow(
      `${bad}: holds faults/worker-kills, so it must be named faults-worker-kills.json`,
    );
  });
});
