// The API process. SIGTERM/SIGINT: stop accepting connections, finish requests in flight,
// then close the Temporal connection and the database pool.
import type { Server } from 'node:http';
import { createCatalogueService } from '../catalogue/service.js';
import { loadConfigOrExit } from '../config/config.js';
import { createDatabase } from '../db/client.js';
import { createJourneyRepository } from '../db/repositories/journeys.js';
import { countJourneyStates } from '../observability/journey-states.js';
import { createLogger } from '../observability/logger.js';
import { createApiMetrics, registerJourneyStateGauge } from '../observability/metrics.js';
import { PostgresRateBudgetStore } from '../greenhouse/harvest/index.js';
import { createSecretBox } from '../security/secret-box.js';
import { createConnectionService } from '../tenants/connection-service.js';
import { harvestClientFactory } from '../tenants/harvest-clients.js';
import { createConnectionUpkeep } from '../tenants/connection-upkeep.js';
import { createHarvestGateway } from '../tenants/harvest-gateway.js';
import { connectTemporalClient } from '../temporal/connection.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { createApp } from './app.js';
import { personKeyFrom } from '../security/person-index.js';
import { ensureRetentionSchedule } from '../journeys/retention-schedule.js';

import { createDeliveringVendorEventSink, vendorEventRetryFrom } from '../vendor/event-delivery.js';

const config = loadConfigOrExit();
const log = createLogger({ level: config.LOG_LEVEL, name: 'greenroom-api' });

if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
  log.fatal('the API needs DATABASE_URL and TEMPORAL_ADDRESS (npm start provides both locally)');
  process.exit(2);
}
if (!config.SECRETS_ENCRYPTION_KEYS) {
  log.fatal(
    'the API needs SECRETS_ENCRYPTION_KEYS to store Greenhouse credentials (npm start provides one locally)',
  );
  process.exit(2);
}
if (!config.PAYLOAD_ENCRYPTION_KEYS) {
  log.fatal(
    'the API needs PAYLOAD_ENCRYPTION_KEYS to encrypt journeys in Temporal (npm start provides one locally)',
  );
  process.exit(2);
}
if (!config.OPERATOR_API_KEY) log.warn('OPERATOR_API_KEY is not set: the operator API answers 503');

const db = createDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
// Payloads are encrypted: the same data converter as the worker's, and its codec for the Temporal UI.
const dataConverter = dataConverterFor(config.PAYLOAD_ENCRYPTION_KEYS, {
  allowPlaintext: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT === 'on',
});
const temporal = await connectTemporalClient({
  connection: temporalConnectionOptions(config.TEMPORAL_ADDRESS, config),
  namespace: config.TEMPORAL_NAMESPACE,
  dataConverter,
});
// One Harvest client per tenant credential for the whole API, budget shared through PostgreSQL.
const harvestClientFor = harvestClientFactory(new PostgresRateBudgetStore(db));
const secrets = createSecretBox(config.SECRETS_ENCRYPTION_KEYS);
const connections = createConnectionService({
  db,
  secrets,
  // One rate budget per Greenhouse credential, shared through PostgreSQL with the workers.
  gateway: createHarvestGateway(harvestClientFor),
  publicBaseUrl: config.publicBaseUrl,
  upkeep: createConnectionUpkeep({
    db,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    tokenRefreshMinutes: config.GREENHOUSE_TOKEN_REFRESH_MINUTES,
    vendorEvents: createDeliveringVendorEventSink({
      db,
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      retry: vendorEventRetryFrom(config),
    }),
  }),
});
// Request metrics, and journeys by state counted from the read model at each scrape.
const metrics = createApiMetrics();
registerJourneyStateGauge(metrics.registry, () => countJourneyStates(db));
const app = createApp({
  metrics,
  db,
  journeys: createJourneyRepository(db),
  secrets,
  connections,
  catalogue: createCatalogueService({ db }),
  temporal,
  log,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  operatorApiKey: config.OPERATOR_API_KEY,
  bodyLimit: config.API_BODY_LIMIT,
  callbackSandboxHosts: config.GREENHOUSE_SANDBOX_CALLBACK_HOSTS,
  harvestClientFor,
  publicBaseUrl: config.publicBaseUrl,
  rateLimits: {
    pagesPerMinute: config.PAGE_RATE_LIMIT_PER_MINUTE,
    tokenEndpointsPerMinute: config.TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE,
  },
  trustProxy: config.TRUST_PROXY,
  temporalUiOrigins: config.TEMPORAL_UI_ORIGINS,
  codec: dataConverter.codec,
  codecLoopbackWithoutKey: config.CODEC_LOOPBACK_WITHOUT_KEY === 'on',
  personKey: personKeyFrom(config.PERSON_INDEX_KEY),

  vendorEndpointAllowHosts: config.VENDOR_ENDPOINT_ALLOW_HOSTS,
  vendorEventRetry: vendorEventRetryFrom(config),

  vendorReportMaxBytes: config.VENDOR_REPORT_MAX_BYTES,
});
// The retention Schedule (journeys/retention-schedule.ts), idempotently; the worker does it too.
await ensureRetentionSchedule({ temporal, taskQueue: config.TEMPORAL_TASK_QUEUE }).catch((err: unknown) =>
  log.warn({ err }, 'the retention schedule could not be set up now: the worker sets it up at its start'),
);

const server: Server = app.listen(config.API_PORT, config.API_HOST, () => {
  log.info({ url: `http://${config.API_HOST}:${config.API_PORT}` }, 'API listening');
});
server.on('error', (err) => {
  log.fatal({ err }, 'API could not listen');
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'closing API');
    const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
    server.close(async () => {
      clearTimeout(force);
      await temporal.connection.close();
      await db.$disconnect();
      log.info('API stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  });
}
