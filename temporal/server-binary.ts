import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { findGo, greenroomCacheDir, isExecutable } from './cli-binary.js';

/**
 * Finds or builds the real Temporal server (the production engine, not the CLI's dev server) and
 * its schema tool, at the version docker-compose.yml pins, from Temporal's Go module. The build
 * lands in the cache outside the clone together with what the deploy test needs from the module:
 * the PostgreSQL schema folders and the config files it starts from. Nothing of Temporal's is
 * committed here.
 */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
/** Must equal the temporalio image tag in docker-compose.yml (a test checks). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface TemporalServerBinaries {
  /** `temporal-server`, run as `--root <dir> --config <dir> --env <name> start`. */
  server: string;
  /** `temporal-sql-tool`, which creates and upgrades the schema. */
  sqlTool: string;
  /** The module's `schema/postgresql/v12` (folders `temporal/versioned`, `visibility/versioned`). */
  postgresSchemaDir: string;
  /** The module's `config/development-postgres12.yaml`, the template the deploy test edits. */
  configTemplate: string;
  /** The module's `config/dynamicconfig/development-sql.yaml`. */
  dynamicConfig: string;
  source: 'cache' | 'go-build';
}

export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(greenroomCacheDir(env), 'temporal-server', TEMPORAL_SERVER_VERSION);
}

function layout(dir: string, source: TemporalServerBinaries['source']): TemporalServerBinaries {
  return {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    configTemplate: path.join(dir, 'config', 'development-postgres12.yaml'),
    dynamicConfig: path.join(dir, 'config', 'dynamicconfig', 'development-sql.yaml'),
    source,
  };
}

export async function provideTemporalServer({
  env = process.env,
  log = () => {},
}: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<TemporalServerBinaries> {
  const cacheDir = temporalServerCacheDir(env);
  // The cache directory appears whole (renamed into place), so one file proves all of it.
  if (await isExecutable(layout(cacheDir, 'cache').server)) return layout(cacheDir, 'cache');

  const go = await findGo(env);
  if (!go) {
    throw new Error(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} is not in ${cacheDir} and there is no Go toolchain to build it`,
    );
  }
  log(
    `building the Temporal server ${TEMPORAL_SERVER_VERSION} with Go into ${cacheDir} (first run only, a few minutes)`,
  );
  await mkdir(path.dirname(cacheDir), { recursive: true });
  // Build into a private directory and rename: concurrent first runs never see a half-built cache.
  const staging = await mkdtemp(`${cacheDir}.build-`);
  try {
    // Go's own CGO default (unlike the CLI's build): forcing a setting misses the build cache of
    // every earlier build made without it, a rebuild of half an hour on a busy 2-core machine.
    const download = run(
      go,
      ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
      {
        env,
      },
    );
    const moduleDir = (JSON.parse(download) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error(`go mod download printed no Dir for ${TEMPORAL_SERVER_MODULE}`);

    // The module cache is read-only: build in a writable copy, inside the module so its go.mod rules.
    const src = path.join(staging, 'src');
    await cp(moduleDir, src, { recursive: true });
    await makeWritable(src);
    const out = path.join(staging, 'out');
    const built = layout(out, 'go-build');
    // -trimpath: the build cache then serves any later build from another copy of the module.
    run(go, ['build', '-trimpath', '-o', built.server, './cmd/server'], { env, cwd: src });
    run(go, ['build', '-trimpath', '-o', built.sqlTool, './cmd/tools/sql'], { env, cwd: src });
    await cp(path.join(src, 'schema', 'postgresql', 'v12'), built.postgresSchemaDir, { recursive: true });
    await cp(path.join(src, 'config', 'development-postgres12.yaml'), built.configTemplate);
    await cp(path.join(src, 'config', 'dynamicconfig', 'development-sql.yaml'), built.dynamicConfig);

    try {
      await rename(out, cacheDir);
    } catch (err) {
      // Another first run finished first: its cache is as good as ours.
      if (!(await isExecutable(layout(cacheDir, 'cache').server))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return layout(cacheDir, 'go-build');
}

function run(cmd: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): string {
  const result = spawnSync(cmd, args, {
    ...options,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`,
    );
  }
  return result.stdout;
}

async function makeWritable(dir: string): Promise<void> {
  // Module cache folders are 0555 and files 0444, and the copy keeps them: without this a
  // non-root user could not delete the staging folder afterwards.
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(full);
    else await chmod(full, 0o644);
  }
}
