import type { CatalogueService } from '../catalogue/service.js';
import type { TestDefinition as AssessmentTestDefinition } from '../domain/assessments/definition.js';
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
  // Journey, tenant and candidate in one read (issue 17), shared by the invites of one turn.
  const { journey, candidate } = await journeysOf(deps).reach(journeyId);
  if (!journey.testId || journey.testVersion === null)
    throw new Error(`journey ${journeyId} has no pinned test`);
  const test = await pinnedTest(deps.catalogue, journey.tenantId, journey.testId, journey.testVersion);
  return {
    journey,
    candidate,
    test,
    branding: brandingOf(journey.tenant, deps.defaultFromAddress),
  };
}
export type JourneyContext = Awaited<ReturnType<typeof loadJourney>>;

/** Pinned test versions this process read (stored versions are immutable): the newest kept. */
const PINNED_KEPT = 1_000;
const pinned = new Map<string, Promise<AssessmentTestDefinition>>();

/**
 * A journey's pinned test version, read once per process (issue 17: two reads less per e-mail). A
 * failed read is not kept.
 */
function pinnedTest(catalogue: CatalogueService, tenantId: string, testId: string, version: number) {
  const key = `${tenantId}\u0000${testId}\u0000${version}`;
  let found = pinned.get(key);
  if (!found) {
    found = catalogue.getTest(tenantId, testId, version).then((t) => t.definition);
    pinned.set(key, found);
    found.catch(() => pinned.delete(key));
    for (const k of pinned.keys()) if (pinned.size > PINNED_KEPT) pinned.delete(k);
  }
  return found;
}
