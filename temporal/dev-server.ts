import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { customSearchAttributes } from '../domain/search-attributes.js';
import { provideTemporalCli, type TemporalCli } from './cli-binary.js';
import { devServerDynamicConfigFlags } from './dynamic-config.js';
import { freePort } from './free-port.js';

/**
 * A Temporal dev server (`temporal server start-dev`) for `npm start` and the test suite, with our
 * custom search attributes registered on every start.
 */
export interface DevServer {
  address: string;
  namespace: string;
  /** Web UI address, or null when started headless. */
  uiUrl: string | null;
  cli: TemporalCli | null;
  /** The server's process id (for CPU and memory readings), or null when the SDK runs it. */
  pid: number | null;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port, or null for no UI. */
  uiPort?: number | null;
  /** SQLite file that keeps workflows across restarts; omitted → in memory. */
  dbFilename?: string;
  namespace?: string;
  /** Where the server's own log goes; omitted → discarded. */
  logFile?: string;
  /** The Web UI decodes payloads through this codec endpoint. */
  uiCodecEndpoint?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export const searchAttributeFlags = customSearchAttributes.flatMap((key) => [
  '--search-attribute',
  `${key.name}=${key.type === 'KEYWORD' ? 'Keyword' : key.type}`,
]);

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === undefined ? port + 1000 : options.uiPort;
  if (options.dbFilename) await mkdir(path.dirname(options.dbFilename), { recursive: true });
  const cli = await provideTemporalCli({ env: options.env, log: options.log });

  if (!cli) {
    options.log?.(
      'no Temporal CLI found and no Go toolchain: letting the Temporal SDK download a dev server',
    );
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port,
        namespace,
        ui: uiPort !== null,
        ...(uiPort !== null ? { uiPort } : {}),
        ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
        searchAttributes: [...customSearchAttributes],
        extraArgs: [
          ...devServerDynamicConfigFlags(),
          ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ],
      },
    });
    return {
      address: `127.0.0.1:${port}`,
      namespace,
      uiUrl: uiPort !== null ? `http://127.0.0.1:${uiPort}` : null,
      cli: null,
      pid: null,
      stop: () => env.teardown(),
    };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...searchAttributeFlags,
    ...devServerDynamicConfigFlags(),
    ...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.logFile) {
    await mkdir(path.dirname(options.logFile), { recursive: true });
    const out = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child, options.startTimeoutMs ?? 60_000, 'Temporal dev server');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort !== null ? `http://127.0.0.1:${uiPort}` : null,
    cli,
    pid: child.pid ?? null,
    stop: () => stopChild(child),
  };
}

/** Resolves once the server at `address` answers GetSystemInfo; fails early if `child` exits. */
export async function waitUntilServing(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} ${exited} before serving on ${address}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${what} did not serve on ${address} within ${timeoutMs} ms: ${String(lastError)}`);
}

/** SIGTERM, then SIGKILL after 10 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
