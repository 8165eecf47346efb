import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../temporal/dev-server.js';
import { bundleWorkflows } from '../workers/workflow-bundle.js';

/**
 * One Temporal dev server and one workflow bundle for the whole run: several servers racing to
 * start is slow and flaky, and bundling costs seconds per worker. Test files get them via inject().
 */
declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const workDir = await mkdtemp(path.join(tmpdir(), 'greenroom-test-'));
  const [server, bundle] = await Promise.all([
    startDevServer({ uiPort: null, logFile: path.join(workDir, 'temporal.log'), log: (l) => console.log(l) }),
    bundleWorkflows(),
  ]);
  const workflowBundlePath = path.join(workDir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide(
    'postgresAdminUrl',
    process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  );

  return async () => {
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  };
}
