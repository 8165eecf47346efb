import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import ts from 'typescript';
import { stopProcess } from '../../harness/product-stack.js';
import { idleRss, settledRss } from '../../harness/memory.js';
import { repoRoot, spawnBuilt, spawnEntry, waitFor, type SpawnedProcess } from '../../harness/processes.js';
import { lanes } from './run-baseline.js';

/**
 * The baseline of the idle-journeys benchmark, on the same Temporal server: a bare worker process
 * (bench/baseline/noop-worker.ts, the same cache size as the journey worker's) with as many waiting
 * bare workflows (one no-op activity, then a wait) as there are waiting journeys at each checkpoint,
 * and its settled RSS there, then (with `idleSeconds`) its RSS after that long left alone. `built`: the worker runs as plain JavaScript, as the built journey
 * worker does (TypeScript compiled to dist/bench/, the workflow bundled in this process).
 */
export interface IdleBaselineOptions {
  temporalAddress: string;
  /** Waiting workflows at which the RSS is read, ascending. */
  checkpoints: number[];
  maxCachedWorkflows: number;
  built: boolean;
  timeoutMs: number;
  /** 0: the settled reading only. */
  idleSeconds: number;
  log?: (line: string) => void;
}

export interface IdleBaselineResult {
  /** `rssBytes`: after `idleSeconds` left alone when asked, else as settled (`settledBytes`). */
  points: { workflows: number; rssBytes: number; settledBytes: number }[];
}

export async function runIdleBaseline(options: IdleBaselineOptions): Promise<IdleBaselineResult> {
  const log = options.log ?? (() => undefined);
  const taskQueue = `idle-baseline-${randomBytes(4).toString('hex')}`;
  const env = {
    TEMPORAL_ADDRESS: options.temporalAddress,
    BASELINE_TASK_QUEUE: taskQueue,
    BASELINE_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows),
    BASELINE_WORKFLOW_BUNDLE_PATH: await bundleBaseline(),
  };
  const worker = options.built
    ? spawnBuilt(await compileNoopWorker(), env)
    : spawnEntry('bench/baseline/noop-worker.ts', env);
  const connection = await Connection.connect({ address: options.temporalAddress });
  const deadline = Date.now() + options.timeoutMs;
  try {
    await waitFor('the idle baseline worker to be ready', () => outputSays(worker, /^ready$/m), 120_000);
    const client = new Client({ connection });
    const points: IdleBaselineResult['points'] = [];
    let started = 0;
    for (const target of options.checkpoints) {
      const from = started;
      await lanes(target - from, 16, async (k) => {
        if (Date.now() > deadline)
          throw new Error(`idle baseline: starts not done in ${options.timeoutMs} ms`);
        await client.workflow.start('waitingWorkflow', { workflowId: `${taskQueue}-${from + k}`, taskQueue });
      });
      started = target;
      await waitFor(
        `${target} bare workflows past their activity`,
        async () => noopsDone(worker) >= target,
        Math.max(1, deadline - Date.now()),
      );
      const settled = await settledRss(worker.child.pid!);
      const idle =
        options.idleSeconds > 0 ? await idleRss(worker.child.pid!, options.idleSeconds) : undefined;
      points.push({
        workflows: target,
        rssBytes: idle?.lastBytes ?? settled.rssBytes,
        settledBytes: settled.rssBytes,
      });
      log(
        `idle baseline: ${target} bare workflows waiting, worker RSS ${(settled.rssBytes / 2 ** 20).toFixed(0)} MB${idle ? `; idle, every 5 s: ${idle.readingsMb.join(' ')} MB` : ''}`,
      );
    }
    return { points };
  } finally {
    // The waiting workflows stay behind on the server: nothing polls their queue once this returns.
    await connection.close().catch(() => undefined);
    await stopProcess(worker);
  }
}

async function outputSays(p: SpawnedProcess, pattern: RegExp): Promise<boolean> {
  if (p.child.exitCode !== null) throw new Error(`the idle baseline worker exited early:\n${p.output()}`);
  return pattern.test(p.output());
}

function noopsDone(p: SpawnedProcess): number {
  if (p.child.exitCode !== null) throw new Error(`the idle baseline worker exited early:\n${p.output()}`);
  const all = [...p.output().matchAll(/^noops (\d+)$/gm)];
  return all.length ? Number(all[all.length - 1]![1]) : 0;
}

const buildDir = path.join(repoRoot, 'dist/bench/baseline');

/** The bare workflows bundled here, so webpack never runs in the measured process. */
async function bundleBaseline(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)),
    webpackConfigHook: (config) => {
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  await mkdir(buildDir, { recursive: true });
  const file = path.join(buildDir, 'noop-workflow-bundle.js');
  await writeFile(file, code);
  return file;
}

/** noop-worker.ts as JavaScript under dist/ (its only import is the SDK, found in node_modules). */
async function compileNoopWorker(): Promise<string> {
  const source = await readFile(fileURLToPath(new URL('./noop-worker.ts', import.meta.url)), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  await mkdir(buildDir, { recursive: true });
  const file = path.join(buildDir, 'noop-worker.js');
  await writeFile(file, outputText);
  return file;
}

function quiet() {}
