import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type RuntimeOptions,
  type Worker,
} from '@temporalio/worker';
import { inject } from 'vitest';
import type { Activities } from '../../activities/index.js';
import type { Database } from '../../db/client.js';
import { parseEncryptionKeys, type EncryptionKey } from '../../security/secret-box.js';
import type { TemporalConnectionOptions } from '../../temporal/connection-options.js';
import { dataConverterFor } from '../../temporal/data-converter.js';
import type { WorkerVersion } from '../../workers/versioning.js';
import { createJourneyWorker, type JourneyWorkerOptions } from '../../workers/create-worker.js';

let runtimeInstalled = false;

/**
 * Installs this process's Temporal Runtime; startTestWorker does so on first use. Call it first to
 * add options (e.g. Core's Prometheus exporter: `telemetryOptions`).
 */
export function installTestRuntime(options: Omit<RuntimeOptions, 'logger' | 'shutdownSignals'> = {}): void {
  if (runtimeInstalled) throw new Error('the Temporal Runtime of this test process is already installed');
  // Quiet the SDK's per-worker INFO lines; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [], ...options });
  runtimeInstalled = true;
}

/** A unique task queue per test: workers of parallel test files never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * The payload keys of every test client and worker (PAYLOAD_ENCRYPTION_KEYS of processes a test
 * spawns). Fixed, not generated: histories recorded from tests (test/helpers/histories.ts) must
 * stay readable by later runs.
 */
export const TEST_PAYLOAD_KEYS_SPEC = 'ptest1:8Y4bhY8wcmpuywQGksRvTSAUleL4P83wc7FuYe52Rco=';
export const TEST_PAYLOAD_KEYS: EncryptionKey[] = parseEncryptionKeys(TEST_PAYLOAD_KEYS_SPEC);

/** The data converter of production (temporal/data-converter.ts) with the test keys, or others. */
export const testDataConverter = (
  keys: readonly EncryptionKey[] = TEST_PAYLOAD_KEYS,
  options: { allowPlaintext?: boolean } = {},
) => dataConverterFor(keys, options);

/** A client as the API's: payloads encrypted with the test keys unless `payloadKeys` says otherwise. */
export async function connectTestClient(
  options: { payloadKeys?: readonly EncryptionKey[] } = {},
): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection, dataConverter: testDataConverter(options.payloadKeys) });
}

export interface RunningTestWorker {
  worker: Worker;
  taskQueue: string;
  /** Drains the worker and waits until it stopped. */
  stop(): Promise<void>;
}

/** Starts the real journey worker (shared prebuilt bundle) on its own task queue. */
export async function startTestWorker(options: {
  activities: Activities;
  taskQueue?: string;
  /** Metrics and failure logs, as workers/main.ts gives them. */
  observe?: Pick<JourneyWorkerOptions, 'metrics' | 'log'>;
  /** Writes journeys' timelines (journey_events) into this database, as production does. */
  timelineDb?: Database;
  /** Payload keys (first current); the test keys by default, as connectTestClient's. */
  payloadKeys?: readonly EncryptionKey[];
  /** PAYLOAD_CODEC_ALLOW_PLAINTEXT=on: plain payloads pass (migration of older histories). */
  allowPlaintext?: boolean;
  /** Another server, or TLS (temporal/connection-options.ts); the shared dev server by default. */
  connection?: TemporalConnectionOptions;
  /** A worker deployment version (WORKER_DEPLOYMENT_NAME, WORKER_BUILD_ID). */
  version?: WorkerVersion;
  identity?: string;
}): Promise<RunningTestWorker> {
  if (!runtimeInstalled) installTestRuntime();
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const connection = await NativeConnection.connect(
    options.connection ?? { address: inject('temporalAddress') },
  );
  const worker = await createJourneyWorker({
    connection,
    namespace: 'default',
    taskQueue,
    dataConverter: testDataConverter(options.payloadKeys, { allowPlaintext: options.allowPlaintext }),
    activities: options.activities,
    ...(options.version ? { version: options.version } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '2 seconds',
    ...options.observe,
    ...(options.timelineDb ? { timelineDb: options.timelineDb } : {}),
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    taskQueue,
    stop() {
      // Idempotent: a test may stop a worker early and the teardown stop it again.
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await connection.close();
      })();
      return stopped;
    },
  };
}
