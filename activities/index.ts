import type { CatalogueService } from '../catalogue/service.js';
import type { Database } from '../db/client.js';
import type { Mailer } from '../mail/index.js';
import type { SecretBox } from '../security/secret-box.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';
import { createAssessmentActivities } from './assessment/index.js';
import { createJourneyActivities } from './journeys/read-model.js';

export interface ActivityDependencies {
  db: Database;
  mailer: Mailer;
  catalogue: CatalogueService;
  secrets: SecretBox;
  harvestClientFor: HarvestClientFactory;
  /** Where people's links point (candidate, grader and report pages). */
  publicBaseUrl: string;
  /** Sender for tenants without their own mail branding. */
  defaultFromAddress: string;
  fetch?: typeof fetch;
}

/** All activities the worker registers, built from injected dependencies (no globals). */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJourneyActivities(deps),
    ...createAssessmentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
