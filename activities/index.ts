import type { Client } from '@temporalio/client';
import type { CatalogueService } from '../catalogue/service.js';
import type { Database } from '../db/client.js';
import type { JourneyRepository } from '../db/repositories/journeys.js';
import type { Resolver } from '../greenhouse/callback/index.js';
import type { Mailer } from '../mail/index.js';
import type { SecretBox } from '../security/secret-box.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';
import { createAssessmentActivities } from './assessment/index.js';
import { createBulkInviteActivities } from './bulk-invite/index.js';
import { createConnectionActivities } from './connections/index.js';
import { createJourneyActivities } from './journeys/read-model.js';
import { createReconciliationActivities } from './reconciliation/index.js';
import { createReferenceCheckActivities } from './reference-check/index.js';
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
    ...createFailedJourneyActivities(deps),
    ...createFailedSweepActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
