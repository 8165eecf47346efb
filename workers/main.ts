// The worker process: runs journeys' workflows and activities from one task queue.
// SIGTERM/SIGINT drain it: no new tasks are polled, running activities get the grace time,
// then the database pool closes.
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { ensureRetentionSchedule } from '../journeys/retention-schedule.js';
import { createActivities } from '../activities/index.js';
import { ensureFailedSweepSchedule } from '../journeys/failed-journeys.js';
import { ensureLaunchKeyRotationSchedule } from '../security/launch-key-schedule.js';
import { loadConfigOrExit } from '../config/config.js';
import { createDatabase } from '../db/client.js';
import { operatorKeyReadsMetrics } from '../api/operator/auth.js';
import { startHealthServer } from '../observability/health-server.js';
import { createLogger } from '../observability/logger.js';
import { registerConnectionGauges } from '../observability/connection-metrics.js';
import { createWorkerMetrics } from '../observability/metrics.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { createJourneyWorker } from './create-worker.js';
import { activityDependencies } from './dependencies.js';
import { installWorkerRuntime } from './runtime.js';
import { bundleWorkflows } from './workflow-bundle.js';
import { workerVersionFrom } from './versioning.js';

const config = loadConfigOrExit();
const log = createLogger({ level: config.LOG_LEVEL, name: 'greenroom-worker' });

if (
  !config.DATABASE_URL ||
  !config.TEMPORAL_ADDRESS ||
  !config.SECRETS_ENCRYPTION_KEYS ||
  !config.PAYLOAD_ENCRYPTION_KEYS
) {
  log.fatal(
    'the worker needs DATABASE_URL, TEMPORAL_ADDRESS, SECRETS_ENCRYPTION_KEYS and PAYLOAD_ENCRYPTION_KEYS (npm start provides them locally)',
  );
  process.exit(2);
}

// The SDK installs its own signal handlers; ours decide the order of shutdown. Installed before
// any await, so a SIGTERM during start-up also ends the process cleanly — and before any
// connection, since the Runtime also starts Temporal Core's Prometheus exporter (workers/runtime.ts).
const { temporalMetricsUrl } = installWorkerRuntime({
  temporalMetricsPort: config.WORKER_TEMPORAL_METRICS_PORT,
  log,
});
const metrics = createWorkerMetrics({ temporalMetricsUrl });
// Set once the worker exists; the signal handler reads it before and after.
const running: { worker?: Worker } = {};
let stopRequested = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopRequested) return;
    stopRequested = true;
    if (!running.worker) {
      log.info({ signal }, 'stopped during start-up');
      process.exit(0); // nothing polled yet, so nothing is in flight
    }
    log.info({ signal }, 'draining worker');
    running.worker.shutdown();
  });
}

const db = createDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
registerConnectionGauges(metrics.registry, db);
const connection = await NativeConnection.connect(temporalConnectionOptions(config.TEMPORAL_ADDRESS, config));
const workflowBundle = config.WORKFLOW_BUNDLE_PATH
  ? { codePath: config.WORKFLOW_BUNDLE_PATH }
  : await bundleWorkflows();

const worker = await createJourneyWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  dataConverter: dataConverterFor(config.PAYLOAD_ENCRYPTION_KEYS, {
    allowPlaintext: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT === 'on',
  }),
  activities: createActivities(
    activityDependencies(config, db, log, { onHarvestResponse: metrics.observeHarvestCall }, connection),
  ),
  workflowBundle,
  shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS} seconds`,
  maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  timelineDb: db,
  metrics,
  log,
  version: workerVersionFrom(config),
});

// The retention Schedule, idempotently (the API does the same at its start).
await ensureRetentionSchedule({
  temporal: new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFor(config.PAYLOAD_ENCRYPTION_KEYS, {
      allowPlaintext: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT === 'on',
    }),
  }),
  taskQueue: config.TEMPORAL_TASK_QUEUE,
}).catch((err: unknown) => log.warn({ err }, 'the retention schedule could not be set up now'));

const health = await startHealthServer({
  port: config.WORKER_HEALTH_PORT,
  host: config.API_HOST,
  isReady: () => worker.getState() === 'RUNNING',
  // Our counters, then Temporal Core's; Prometheus scrapes with its read-only `metrics` operator key.
  metrics: {
    scrape: metrics.scrape,
    contentType: metrics.contentType,
    bearerToken: config.OPERATOR_API_KEY,
    acceptKey: (key) => operatorKeyReadsMetrics(db, key),
  },
});

running.worker = worker;
const scheduleClient = {
  temporal: new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFor(config.PAYLOAD_ENCRYPTION_KEYS, {
      allowPlaintext: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT === 'on',
    }),
  }),
  taskQueue: config.TEMPORAL_TASK_QUEUE,
};
// Marks journeys whose workflow was terminated or timed out (they cannot record it themselves).
await ensureFailedSweepSchedule(scheduleClient).catch((err: unknown) =>
  log.warn({ err }, 'the failed-journeys sweep Schedule could not be ensured'),
);
// Rotates the launch-assertion key (the JWKS publishes the next one before it signs).
await ensureLaunchKeyRotationSchedule(scheduleClient, {
  everyDays: config.LAUNCH_KEY_ROTATION_DAYS,
  leadMs: config.LAUNCH_KEY_ROTATION_LEAD_MS,
}).catch((err: unknown) => log.warn({ err }, 'the launch-key rotation Schedule could not be ensured'));
if (stopRequested) worker.shutdown(); // the signal came while we were starting

log.info(
  {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    temporal: config.TEMPORAL_ADDRESS,
    prebuiltBundle: !!config.WORKFLOW_BUNDLE_PATH,
    version: workerVersionFrom(config) ?? 'unversioned',
  },
  'worker running',
);
try {
  await worker.run();
} finally {
  health.close();
  await connection.close();
  await db.$disconnect();
  log.info('worker stopped');
}
