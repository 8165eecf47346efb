import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

export interface SpawnedProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Where its health server answers, when it has one. */
  healthUrl?: string;
}

/** Runs one of our TypeScript entry points as a real process, the way npm scripts do. */
export function spawnEntry(
  entry: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  nodeArgs: string[] = [],
): SpawnedProcess {
  return spawnBuilt(entry, env, [...nodeArgs, '--import', 'tsx'], args);
}

/** Runs a JavaScript file (e.g. from dist/, after `npm run build`) with plain Node. */
export function spawnBuilt(
  file: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
  args: string[] = [],
): SpawnedProcess {
  return spawnProcess(process.execPath, [...nodeArgs, file, ...args], {
    ...process.env,
    LOG_LEVEL: 'warn',
    ...env,
  });
}

/** Runs a command in the repository with exactly `env`, keeping its output. */
export function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv): SpawnedProcess {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  return { child, output: () => out, exited };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A probe that throws an Error whose message says "exited" ends the wait at once.
    const value = await probe().catch((err: unknown) => {
      if (err instanceof Error && /exited/.test(err.message)) throw err;
      return undefined;
    });
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
