import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ESLint } from 'eslint';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';

// Workflow code must stay deterministic: the lint rule names the problem at edit time, and the
// bundler (run by CI before the tests) refuses it at build time.
describe('workflow sandbox guards', () => {
  const eslint = new ESLint({ cwd: repoRoot });
  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it.each([
    ["import fs from 'node:fs';", /no Node built-ins/],
    ["import { createHash } from 'crypto';", /no Node built-ins/],
    ["import { PrismaClient } from '@prisma/client';", /I\/O packages/],
    ["import nodemailer from 'nodemailer';", /I\/O packages/],
    ["import { Client } from '@temporalio/client';", /I\/O packages/],
    ["import { createActivities } from '../../activities/index.js';", /activity \*types\* only/],
  ])('rejects %s in workflows/', async (code) => {
    const messages = await lint('workflows/probe/example.ts', `${code}\nexport const x = 1;\n`);
    expect(messages.length).toBe(1);
  });

  it('allows activity types and the workflow SDK', async () => {
    const code = [
      "import type { JourneyActivities } from '../../activities/journeys/types.js';",
      "import { proxyActivities } from '@temporalio/workflow';",
      'export const a = proxyActivities<JourneyActivities>({ startToCloseTimeout: 1000 });',
    ].join('\n');
    expect(await lint('workflows/probe/example.ts', code)).toEqual([]);
  });

  it('does not restrict activities/', async () => {
    expect(await lint('activities/example.ts', "import fs from 'node:fs';\nexport const f = fs;\n")).toEqual(
      [],
    );
  });

  let dir: string | undefined;
  afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

  it('the bundler refuses a workflow that imports a Node built-in', async () => {
    // Inside the repo (gitignored .data/) so that the bundler resolves node_modules as for real code.
    await mkdir(path.join(repoRoot, '.data'), { recursive: true });
    dir = await mkdtemp(path.join(repoRoot, '.data', 'bundle-test-'));
    const file = path.join(dir, 'bad-workflow.ts');
    await writeFile(
      file,
      "import { readFileSync } from 'node:fs';\nexport async function bad() { return readFileSync('/etc/hostname'); }\n",
    );
    const errors: string[] = [];
    const quiet = () => {};
    const logger = {
      log: quiet,
      trace: quiet,
      debug: quiet,
      info: quiet,
      warn: quiet,
      error: (m: string) => errors.push(m),
    };
    await expect(bundleWorkflowCode({ workflowsPath: file, logger })).rejects.toThrow(
      /Webpack finished with errors/,
    );
    expect(errors.join('\n')).toMatch(/node:fs/);
  });
});
