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

/** A fresh secret box; pass the same one to the API and the worker of a test. */
export const testSecretBox = () => createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec('test1')));

/** The worker's real activities with test-sized defaults (outbox mail, in-memory rate budget). */
export function testActivities(db: Database, overrides: Partial<ActivityDependencies> = {}) {
  return createActivities({
    db,
    mailer: createMailer({ transport: createOutboxTransport({ store: createInMemoryOutboxStore() }) }),
    catalogue: createCatalogueService({ db }),
    secrets: testSecretBox(),
    harvestClientFor: harvestClientFactory(new MemoryRateBudgetStore(), { timeoutMs: 5_000 }),
    publicBaseUrl: 'http://127.0.0.1:9',
    defaultFromAddress: 'assessments@greenroom.test',
    ...overrides,
  });
}
