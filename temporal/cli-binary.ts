import { spawnSync } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Finds or builds the Temporal CLI, whose `server start-dev` is our local and test server.
 * Order: TEMPORAL_CLI_PATH; `temporal` on PATH; a cached `go install` build (built on first use
 * when Go is present); otherwise null, and the caller lets the Temporal SDK download one
 * (works on machines with internet access, not on these CI machines).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** The newest tag `go install` accepts: later tags carry a `replace` directive. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'go-build-cache' | 'go-build';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

export interface ProvideOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Outside the clone so that fresh clones (CI) reuse one build. */
export function greenroomCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.GREENROOM_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'greenroom')
  );
}

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(greenroomCacheDir(env), 'temporal-cli', TEMPORAL_CLI_VERSION);
}

export async function provideTemporalCli({
  env = process.env,
  log = () => {},
}: ProvideOptions = {}): Promise<TemporalCli | null> {
  if (env.TEMPORAL_CLI_PATH) {
    if (!(await isExecutable(env.TEMPORAL_CLI_PATH))) {
      throw new Error(`TEMPORAL_CLI_PATH ${env.TEMPORAL_CLI_PATH} is not an executable file`);
    }
    return { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return { path: onPath, source: 'PATH' };

  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutable(cached)) return { path: cached, source: 'go-build-cache' };

  const go = await findGo(env);
  if (!go) return null;

  log(
    `building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheDir} (first run only, a few minutes)`,
  );
  await mkdir(path.dirname(cacheDir), { recursive: true });
  // Build into a private directory and rename: two concurrent first runs never see a half-written file.
  const staging = await mkdtemp(`${cacheDir}.build-`);
  try {
    const result = spawnSync(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...env, GOBIN: staging, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status !== 0) {
      throw new Error(
        `go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${result.status})`,
      );
    }
    await mkdir(cacheDir, { recursive: true });
    await rename(path.join(staging, 'temporal'), cached);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { path: cached, source: 'go-build' };
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { env, encoding: 'utf8' });
  const found = result.status === 0 ? result.stdout.trim() : '';
  return found.startsWith('/') ? found : null;
}

/** The Go toolchain on PATH or at its usual install place, or null. */
export async function findGo(env: NodeJS.ProcessEnv): Promise<string | null> {
  return (
    findOnPath('go', env) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : null)
  );
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
