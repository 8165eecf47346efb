import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createCatalogueService } from '../catalogue/service.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/client.js';
import { createJourneyRepository } from '../db/repositories/journeys.js';
import { PostgresRateBudgetStore } from '../greenhouse/harvest/index.js';
import { createDatabaseOutboxStore } from '../mail/database-outbox.js';
import { createMailer, createOutboxTransport, createSmtpTransport } from '../mail/index.js';
import type { Logger } from '../observability/logger.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { createSecretBox } from '../security/secret-box.js';
import { personKeyFrom } from '../security/person-index.js';
import { harvestClientFactory, type HarvestCallObserver } from '../tenants/harvest-clients.js';
import type { ActivityDependencies } from '../activities/index.js';
import { createDeliveringVendorEventSink, vendorEventRetryFrom } from '../vendor/event-delivery.js';

/** The worker's activity dependencies from configuration: real SMTP when set, else the outbox. */
export function activityDependencies(
  config: Config,
  db: Database,
  log: Logger,
  observe: { onHarvestResponse?: HarvestCallObserver } = {},
  /** The worker's connection: activities that start workflows (bulk invites) use a client on it. */
  connection?: NativeConnection,
): ActivityDependencies {
  if (!config.SECRETS_ENCRYPTION_KEYS) throw new Error('SECRETS_ENCRYPTION_KEYS is required');
  const payloadKeys = config.PAYLOAD_ENCRYPTION_KEYS;
  if (connection && !payloadKeys) throw new Error('PAYLOAD_ENCRYPTION_KEYS is required');
  const transport = config.SMTP_URL
    ? createSmtpTransport({ url: config.SMTP_URL })
    : createOutboxTransport({ store: createDatabaseOutboxStore(db) });
  const deps: ActivityDependencies = {
    db,
    journeys: createJourneyRepository(db),
    mailer: createMailer({ transport, logger: log }),
    catalogue: createCatalogueService({ db }),
    secrets: createSecretBox(config.SECRETS_ENCRYPTION_KEYS),
    // One Harvest budget per credential, shared through PostgreSQL by every worker and the API.
    // Every Harvest exchange is counted by tenant (workers/main.ts: worker metrics).
    harvestClientFor: harvestClientFactory(new PostgresRateBudgetStore(db), {
      ...(observe.onHarvestResponse ? { onResponse: observe.onHarvestResponse } : {}),
    }),
    publicBaseUrl: config.publicBaseUrl,
    defaultFromAddress: config.MAIL_FROM_ADDRESS,
    callbackSandboxHosts: config.GREENHOUSE_SANDBOX_CALLBACK_HOSTS,
    personKey: personKeyFrom(config.PERSON_INDEX_KEY),

    vendorEndpointAllowHosts: config.VENDOR_ENDPOINT_ALLOW_HOSTS,
    ...(connection && payloadKeys
      ? {
          temporal: new Client({
            connection,
            namespace: config.TEMPORAL_NAMESPACE,
            dataConverter: dataConverterFor(payloadKeys, {
              allowPlaintext: config.PAYLOAD_CODEC_ALLOW_PLAINTEXT === 'on',
            }),
          }),
          taskQueue: config.TEMPORAL_TASK_QUEUE,
        }
      : {}),
  };
  // Vendor events (connection.broken, …) are delivered by workflows this worker's client starts.
  if (deps.temporal) {
    deps.vendorEvents = createDeliveringVendorEventSink({
      db,
      temporal: deps.temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      retry: vendorEventRetryFrom(config),
    });
  }
  return deps;
}
