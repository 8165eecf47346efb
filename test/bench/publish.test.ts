import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartedFigures, loadResults, parseResult, publish, renderChart } from '../../bench/publish.js';
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
    const count = await publish({
      resultDirs: [path.join(dir, 'bench'), path.join(dir, 'faults'), path.join(dir, 'absent')],
      markdownFile,
      chartFile,
      context: ['Run on a shared machine:\nload 20–40.'],
    });
    expect(count).toBe(2);
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
