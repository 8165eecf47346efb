import type { Client } from '@temporalio/client';
import type { CatalogueService } from '../catalogue/service.js';
import type { Database } from '../db/client.js';
import type { JourneyRepository } from '../db/repositories/journeys.js';
import type { Resolver } from '../greenhouse/callback/index.js';
import type { Mailer } from '../mail/index.js';
import type { PersonKey } from '../security/person-index.js';
import type { SecretBox } from '../security/secret-box.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';
import { createAssessmentActivities } from './assessment/index.js';
import { createBulkInviteActivities } from './bulk-invite/index.js';
import { createConnectionActivities } from './connections/index.js';
import { createJourneyActivities } from './journeys/read-model.js';
import { createReconciliationActivities } from './reconciliation/index.js';
import { createReferenceCheckActivities } from './reference-check/index.js';
import { createRetentionActivities } from './retention/index.js';

import { createVendorEventActivities } from './vendor-events/index.js';
import type { VendorEventSink } from '../vendor/event-types.js';
import { createVendorOrderActivities } from './vendor-order/index.js';
import { createLaunchKeyActivities } from './launch-keys/index.js';
import { createVendorEventSink } from '../vendor/event-sink.js';

import { createFailedJourneyActivities, createFailedSweepActivities } from '../journeys/failed-journeys.js';

export interface ActivityDependencies {
  db: Database;
  /** Every read and write of the journeys read model (default: the database's). */
  journeys?: JourneyRepository;
  mailer: Mailer;
  catalogue: CatalogueService;
  secrets: SecretBox;
  harvestClientFor: HarvestClientFactory;
  /** Where people's links point (candidate, grader and report pages). */
  publicBaseUrl: string;
  /** Sender for tenants without their own mail branding. */
  defaultFromAddress: string;
  fetch?: typeof fetch;
  /** GREENHOUSE_SANDBOX_CALLBACK_HOSTS: the sandbox the completion callback may reach over http. */
  callbackSandboxHosts?: readonly string[];
  /** DNS for the completion callback's checks (default: the system's; tests emulate hostile DNS). */
  callbackResolve?: Resolver;
  /** Starts journeys from activities (bulk invites): a client on the worker's connection. */
  temporal?: Client;
  /** The journeys' task queue (default: the task queue the activity runs on). */
  taskQueue?: string;
  /** PERSON_INDEX_KEY: vendor-invite ids of bulk invites, retention's erasures (security/person-index.ts). */
  personKey?: PersonKey;

  /** VENDOR_ENDPOINT_ALLOW_HOSTS: vendor endpoints reachable on loopback or private addresses. */
  vendorEndpointAllowHosts?: readonly string[];
  /** The HTTP client vendor events are POSTed with (default: one refusing non-public addresses). */
  vendorEventFetch?: typeof fetch;
  /** Where activities hand vendor events (vendor/event-delivery.ts); none: no events. */
  vendorEvents?: VendorEventSink;
}

/** All activities the worker registers, built from injected dependencies (no globals). */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJourneyActivities(deps),
    ...createAssessmentActivities(deps),
    ...createReferenceCheckActivities(deps),
    ...createReconciliationActivities(deps),
    ...createBulkInviteActivities(deps),
    ...createConnectionActivities(deps),
    ...createRetentionActivities(deps),

    ...createVendorEventActivities(deps),
    ...createVendorOrderActivities({ ...deps, events: deps.vendorEvents ?? createVendorEventSink(deps) }),
    ...createLaunchKeyActivities(deps),

    ...createFailedJourneyActivities(deps),
    ...createFailedSweepActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
