import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { journeysOf } from '../../db/repositories/journeys.js';
import { brandingOf } from '../journeys/branding.js';

/** Everything an activity needs to know about one reference check, loaded fresh on every attempt. */
export async function loadReferenceCheck(deps: AssessmentDeps, journeyId: string) {
  const journey = await journeysOf(deps).getWithTenant(journeyId);
  if (!journey) throw new Error(`journey ${journeyId} is not in the read model`);
  if (!journey.testId || journey.testVersion === null)
    throw new Error(`journey ${journeyId} has no pinned template`);
  const candidate = await deps.db.journeyCandidate.findUnique({ where: { journeyId } });
  if (!candidate) throw new Error(`journey ${journeyId} has no candidate record`);
  const template = await deps.catalogue.getReferenceTemplate(
    journey.tenantId,
    journey.testId,
    journey.testVersion,
  );
  return {
    journey,
    candidate,
    template: template.definition,
    branding: brandingOf(journey.tenant, deps.defaultFromAddress),
  };
}
export type ReferenceCheckContext = Awaited<ReturnType<typeof loadReferenceCheck>>;

export const candidateNameOf = (c: { firstName: string; lastName: string }) =>
  `${c.firstName} ${c.lastName}`.trim() || 'the candidate';
