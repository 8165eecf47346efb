import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';
import { allowedPlaces, kindBranchesIn, productFiles, productKindBranches } from './kind-branches.js';

// Done-when of issue 15: no product file outside the kind modules branches on a kind name.
describe('kind branches', () => {
  it('finds none in product files outside the kind modules and the per-kind workflows', async () => {
    expect(await productKindBranches(repoRoot)).toEqual([]);
  });

  it('scans the product tree (and the allowed places are real folders)', async () => {
    const files = await productFiles(repoRoot);
    expect(files).toContain('journeys/start-journey.ts');
    expect(files).toContain('api/operator/journeys.ts');
    expect(files.some((f) => f.startsWith('test/') || f.includes('node_modules/'))).toBe(false);
    for (const place of allowedPlaces) expect(files.some((f) => f.startsWith(place))).toBe(true);
  });

  // The branches this scan replaced, as they stood in the product before the kind modules.
  it.each([
    ["start(entry.kind === 'assessment' ? 'assessmentJourney' : 'referenceCheckJourney', {})"],
    ["if (journey.kind !== 'reference_check' || !journey.testId) return null;"],
    ["const isReferenceCheck = (body as { kind?: unknown }).kind === 'reference_check';"],
    ["db.journey.findMany({ where: { kind: { in: ['assessment', 'reference_check'] } } });"],
    ["const kindOf = (d: object) => ('kind' in d ? 'reference_check' : 'assessment');"],
    ["switch (journey.kind) { case 'probe': break; }"],
    ["if ('reference_check' == kind) go();"],
    ["if (['assessment'].includes(kind)) go();"],
  ])('flags %s', (code) => {
    expect(kindBranchesIn('api/example.ts', code)).toHaveLength(1);
  });

  it.each([
    ["const row = { kind: 'assessment' };"],
    ["if (question.kind === 'free_text') go();"],
    ["z.enum(['assessment', 'reference_check']);"],
    ['if (journey.kind === kind) go();'],
  ])('lets %s through (no kind branch)', (code) => {
    expect(kindBranchesIn('api/example.ts', code)).toEqual([]);
  });

  it('names the file and line of a branch', () => {
    const code = "const a = 1;\n\nif (j.kind === 'assessment') a;\n";
    expect(kindBranchesIn('journeys/x.ts', code)).toEqual([
      { file: 'journeys/x.ts', line: 3, text: "j.kind === 'assessment'" },
    ]);
  });
});
