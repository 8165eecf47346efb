import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';

/**
 * A user's clone has nothing beside it: no file of the product, the tests, the harness, the
 * benchmarks, CI or the docs may reach outside the repository root.
 */
const root = path.resolve(repoRoot);
const inside = (resolved: string) => resolved === root || resolved.startsWith(root + path.sep);

/** Relative paths (`../x`, Markdown links) that, taken from the file's own folder, leave the root. */
function relativePathsOutside(file: string, text: string): string[] {
  const dir = path.dirname(path.join(repoRoot, file));
  const relative = /(?:\.\.\/)+[\w@.-]*/g;
  if (!file.endsWith('.md'))
    return [...text.matchAll(relative)].map((m) => m[0]).filter((t) => !inside(path.resolve(dir, t)));
  // Markdown: links and inline code name files; fenced examples are code of other folders.
  const prose = text.replace(/^```[\s\S]*?^```/gm, '');
  const targets = [...prose.matchAll(/`((?:\.\.\/)+[^`\s]*)`/g)].map((m) => m[1] ?? '');
  for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1] ?? '';
    if (!/^[a-z]+:/i.test(target) && !target.startsWith('#')) targets.push(target.split('#')[0] ?? '');
  }
  return targets.filter((t) => !inside(path.resolve(dir, t)));
}

export function findOutsideReferences(file: string, text: string): string[] {
  const found = relativePathsOutside(file, text);
  // path.join(repoRoot, '..', …) climbs out whatever follows.
  if (/repoRoot\s*,\s*['"]\.\.['"]/.test(text)) found.push("path.join(repoRoot, '..')");
  return found;
}

const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: repoRoot,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => /\.(ts|js|mjs|cjs|sh|ya?ml|json|md)$|^\.ci\/|Dockerfile$/.test(f))
  // eslint.config.js holds import patterns, not paths; this file holds samples of what it looks for.
  .filter((f) => !f.startsWith('test/fixtures/') && !['package-lock.json', 'eslint.config.js'].includes(f))
  .filter((f) => !f.endsWith('stands-alone.test.ts'));

describe('the repository stands alone', () => {
  it('the scanner finds what it is meant to find', () => {
    const up = '..'; // built here so that this file does not match itself
    expect(findOutsideReferences('x.ts', `path.join(repoRoot, '${up}', 'shared', 'fixtures')`)).not.toEqual(
      [],
    );
    expect(findOutsideReferences('x.ts', `readFileSync('${up}/shared/docs/a.md')`)).not.toEqual([]);
    expect(findOutsideReferences('README.md', `see [notes](${up}/shared/docs/greenhouse.md)`)).toEqual([
      `${up}/shared/docs/greenhouse.md`,
    ]);
    expect(findOutsideReferences('docs/a.md', 'see [b](b.md) and [c](../README.md)')).toEqual([]);
    expect(findOutsideReferences('x.ts', "path.join(repoRoot, 'test', 'fixtures')")).toEqual([]);
  });

  it('no tracked file reaches outside the repository root', () => {
    expect(tracked.length).toBeGreaterThan(100);
    const offenders = tracked.flatMap((file) => {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      return findOutsideReferences(file, text).map((why) => `${file}: ${why}`);
    });
    expect(offenders).toEqual([]);
  });

  it('the Greenhouse fixtures are in the tree', () => {
    const readme = readFileSync(path.join(repoRoot, 'test/fixtures/greenhouse/README.md'), 'utf8');
    expect(readme).toMatch(/grnhse\/greenhouse-api-docs/);
  });
});
