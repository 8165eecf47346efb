import { describe, expect, inject, it } from 'vitest';
import { formatResult } from '../../harness/results.js';
import { wrongCounts, type Scenario } from '../../harness/scenario.js';

/**
 * The smoke version of a benchmark or fault scenario: its small size, on the suite's shared Temporal
 * server and workflow bundle. It fails when the scenario cannot run or when a count that must be
 * exact (lost, duplicates, non-2xx answers) is not; speed figures are printed, never asserted here.
 */
export function smokeTest(scenario: Scenario, options: { timeoutMs?: number } = {}) {
  describe(`${scenario.suite}/${scenario.name} (smoke size)`, () => {
    it(
      `runs with ${JSON.stringify(scenario.smoke)} and every count is exact`,
      { timeout: options.timeoutMs ?? 240_000 },
      async () => {
        const lines: string[] = [];
        const result = await scenario.run(scenario.smoke, {
          temporalAddress: inject('temporalAddress'),
          workflowBundlePath: inject('workflowBundlePath'),
          log: (line) => lines.push(line),
        });
        console.log(formatResult(result));
        expect(result.figures.length).toBeGreaterThan(0);
        for (const f of result.figures) expect(Number.isFinite(f.value), `${f.name} is a number`).toBe(true);
        expect(
          wrongCounts(result).map((f) => `${f.name} = ${f.value}, expected ${f.target!.value}`),
          lines.join('\n'),
        ).toEqual([]);
      },
    );
  });
}
