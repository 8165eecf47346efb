import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';

// docs/adding-a-journey-kind.md: a kind is one module of a fixed shape. The scratch kind in
// test/fixtures/scratch-kind/ compiles with every hook, and stops compiling without any one.
describe('a new journey kind', () => {
  const dir = path.join(repoRoot, 'test/fixtures/scratch-kind');
  const kindFile = path.join(dir, 'scratch-kind.ts');
  const registryFile = path.join(dir, 'registry.ts');
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(repoRoot, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  let previous: ts.Program | undefined;

  /** Type errors of the fixture's registry, with some fixture files' text replaced. */
  function errorsWith(edits: Record<string, (text: string) => string> = {}) {
    const host = ts.createCompilerHost(config.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => {
      const text = readFile(file);
      const edit = edits[path.resolve(file)];
      return text !== undefined && edit ? edit(text) : text;
    };
    const program = ts.createProgram({
      rootNames: [registryFile],
      options: { ...config.options, noEmit: true },
      host,
      ...(previous ? { oldProgram: previous } : {}),
    });
    previous = program;
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  const withoutLine = (pattern: RegExp) => (text: string) => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => pattern.test(l));
    expect(at, `no line matches ${pattern}`).toBeGreaterThanOrEqual(0);
    lines.splice(at, 1);
    return lines.join('\n');
  };

  it('compiles with every hook and its registry entry', { timeout: 180_000 }, () => {
    expect(errorsWith()).toEqual([]);
  });

  // One compile for both (each costs tens of seconds); missing-hooks.ts covers every other member.
  it(
    'does not compile without a hook, nor when the registry leaves the kind out',
    { timeout: 180_000 },
    () => {
      expect(readFileSync(kindFile, 'utf8')).toContain('  stopOnGreenhouseEvent:');
      const errors = errorsWith({
        [kindFile]: withoutLine(/^ {2}stopOnGreenhouseEvent:/),
        [registryFile]: withoutLine(/^ {2}scratch: scratchKind,/),
      }).join('\n');
      expect(errors).toContain(`'stopOnGreenhouseEvent'`);
      expect(errors).toContain(`'scratch'`);
    },
  );
});
