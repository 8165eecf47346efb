import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createActivities, type ActivityDependencies } from '../../activities/index.js';
import { createCatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { MemoryRateBudgetStore } from '../../greenhouse/harvest/index.js';
import { createInMemoryOutboxStore, createMailer, createOutboxTransport } from '../../mail/index.js';
import {
  createSecretBox,
  generateEncryptionKeySpec,
  parseEncryptionKeys,
} from '../../security/secret-box.js';
import { harvestClientFactory } from '../../tenants/harvest-clients.js';
import { testDataConverter } from './temporal.js';

/**
 * The test process's secret box (one random key per process): the API and the worker of a test
 * share it, as production's share SECRETS_ENCRYPTION_KEYS — the API seals what the worker unseals.
 */
let secretBox: ReturnType<typeof createSecretBox> | undefined;
export const testSecretBox = () =>
  (secretBox ??= createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec('test1'))));

/**
 * A Temporal client for activities that start workflows (bulk invites). Lazy: it connects on first
 * use, so tests that never bulk-invite open no connection. (connectTestClient is async; this helper
 * stays synchronous for its many callers.)
 */
let lazyClient: Client | undefined;
export function testActivityClient(): Client {
  lazyClient ??= new Client({
    connection: Connection.lazy({ address: inject('temporalAddress') }),
    dataConverter: testDataConverter(),
  });
  return lazyClient;
}

/** The worker's real activities with test-sized defaults (outbox mail, in-memory rate budget). */
export function testActivities(db: Database, overrides: Partial<ActivityDependencies> = {}) {
  return createActivities({
    db,
    mailer: createMailer({ transport: createOutboxTransport({ store: createInMemoryOutboxStore() }) }),
    catalogue: createCatalogueService({ db }),
    secrets: testSecretBox(),
    harvestClientFor: harvestClientFactory(new MemoryRateBudgetStore(), { timeoutMs: 5_000 }),
    publicBaseUrl: 'http://127.0.0.1:9',
    // Test sandboxes listen on loopback ports: their completion URLs are plain http on 127.0.0.1.
    callbackSandboxHosts: ['127.0.0.1'],
    defaultFromAddress: 'assessments@greenroom.test',
    // Journeys started by activities go to the task queue the activity runs on (no taskQueue).
    temporal: testActivityClient(),
    ...overrides,
  });
}
