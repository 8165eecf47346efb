import { cpus, loadavg } from 'node:os';
import { formatResult, meetsTarget, publishResult, type Figure, type ScenarioResult } from './results.js';

/**
 * A benchmark or fault scenario: one module, full-size defaults for `npm run bench` / `npm run faults`,
 * and a small smoke size that `npm test` runs so the scenario cannot rot.
 */
export interface ScenarioContext {
  /** A Temporal server to use instead of starting one (the test suite shares its own). */
  temporalAddress?: string;
  workflowBundlePath?: string;
  log: (line: string) => void;
}

export interface Scenario<P extends Record<string, number> = Record<string, number>> {
  suite: 'bench' | 'faults';
  name: string;
  description: string;
  defaults: P;
  smoke: P;
  run(params: P, ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** What a product stack takes from the scenario's context: the shared Temporal server and bundle, if any. */
export function sharedParts(ctx: ScenarioContext): { temporalAddress?: string; workflowBundlePath?: string } {
  return {
    ...(ctx.temporalAddress ? { temporalAddress: ctx.temporalAddress } : {}),
    ...(ctx.workflowBundlePath ? { workflowBundlePath: ctx.workflowBundlePath } : {}),
  };
}

/** Builds a result with timing filled in: scenarios call this last. */
export function resultOf(
  scenario: Pick<Scenario, 'suite' | 'name' | 'description'>,
  startedAt: number,
  parameters: Record<string, unknown>,
  figures: Figure[],
  notes: string[] = [],
): ScenarioResult {
  return {
    suite: scenario.suite,
    name: scenario.name,
    description: scenario.description,
    parameters,
    figures,
    notes,
    startedAt: new Date(startedAt).toISOString(),
    durationSeconds: (Date.now() - startedAt) / 1000,
    machine: machineNow(),
  };
}

/** Cores and load averages now (rounded to 0.01), with the time. */
export function machineNow(): NonNullable<ScenarioResult['machine']> {
  const [one, five, fifteen] = loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];
  return { cores: cpus().length, loadAverage: [one, five, fifteen], endedAt: new Date().toISOString() };
}

/** A count that must be exactly `expected` (lost, duplicates): the smoke tests fail on any other. */
export function exactCount(name: string, value: number, expected = 0): Figure {
  return { name, value, unit: '', target: { op: '==', value: expected } };
}

/** Figures whose target is an exact count and which miss it. */
export function wrongCounts(r: ScenarioResult): Figure[] {
  return r.figures.filter((f) => f.target?.op === '==' && !meetsTarget(f));
}

/**
 * `npm run bench -- [name …] [--smoke] [--key=value …]`: runs the named scenarios (all by default)
 * one after the other, prints each result and writes its JSON. Exit code 1 if a count is wrong or a
 * scenario failed to run; a missed speed target is printed, not an error (these machines are noisy).
 */
export async function runFromCommandLine(scenarios: Scenario[], argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const smoke = argv.includes('--smoke');
  const overrides: Record<string, number> = {};
  for (const a of argv) {
    const m = /^--([\w]+)=(\d+(?:\.\d+)?)$/.exec(a);
    if (m) overrides[m[1]!] = Number(m[2]);
    else if (a.startsWith('--') && a !== '--smoke') {
      console.error(`unknown option ${a} (options: --smoke, --<parameter>=<number>)`);
      return 2;
    }
  }
  const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`,
    );
    return 2;
  }
  const chosen = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;
  let exit = 0;
  const summary: string[] = [];
  for (const s of chosen) {
    const params = { ...(smoke ? s.smoke : s.defaults) };
    for (const [k, v] of Object.entries(overrides)) {
      if (k in params) (params as Record<string, number>)[k] = v;
    }
    console.log(`\n== ${s.suite}/${s.name} ${JSON.stringify(params)}`);
    try {
      const result = await s.run(params, { log: (line) => console.log(`   ${line}`) });
      const options = Object.entries(overrides).map(([k, v]) => ` --${k}=${v}`);
      result.command = `npm run ${s.suite} -- ${s.name}${smoke ? ' --smoke' : ''}${options.join('')}`;
      const file = await publishResult(result);
      const wrong = wrongCounts(result);
      if (wrong.length) exit = 1;
      summary.push(
        `${s.name}: ${wrong.length ? `WRONG COUNTS (${wrong.map((f) => `${f.name}=${f.value}`).join(', ')})` : 'counts exact'}, ` +
          `${result.figures.filter((f) => !meetsTarget(f)).length} target(s) missed → ${file}`,
      );
    } catch (err) {
      exit = 1;
      console.error(`${s.name} failed: ${(err as Error).stack ?? String(err)}`);
      summary.push(`${s.name}: FAILED TO RUN (${(err as Error).message})`);
    }
  }
  console.log(`\nsummary\n${summary.map((l) => `  ${l}`).join('\n')}`);
  return exit;
}

export { formatResult };
