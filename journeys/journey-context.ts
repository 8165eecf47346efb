import type { CatalogueService } from '../catalogue/service.js';
import type { Database } from '../db/client.js';
import { brandingOf } from '../activities/journeys/branding.js';
import { journeysOf, type JourneyRepository } from '../db/repositories/journeys.js';

export interface AssessmentDeps {
  db: Database;
  journeys?: JourneyRepository;
  catalogue: CatalogueService;
  publicBaseUrl: string;
  /** Used where a tenant has not set its own branding. */
  defaultFromAddress: string;
}

/** Everything an activity needs to know about one journey, loaded fresh on every attempt. */
export async function loadJourney(deps: AssessmentDeps, journeyId: string) {
  const journey = await journeysOf(deps).getWithTenant(journeyId);
  if (!journey) throw new Error(`journey ${journeyId} is not in the read model`);
  const candidate = await deps.db.journeyCandidate.findUnique({ where: { journeyId } });
  if (!journey.testId || journey.testVersion === null)
    throw new Error(`journey ${journeyId} has no pinned test`);
  const test = await deps.catalogue.getTest(journey.tenantId, journey.testId, journey.testVersion);
  return {
    journey,
    candidate,
    test: test.definition,
    branding: brandingOf(journey.tenant, deps.defaultFromAddress),
  };
}
export type JourneyContext = Awaited<ReturnType<typeof loadJourney>>;
