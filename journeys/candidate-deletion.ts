import type { Database } from '../db/client.js';
import { isHarvestError } from '../greenhouse/harvest/errors.js';
import type { SecretBox } from '../security/secret-box.js';
import { harvestClientForTenant } from '../tenants/harvest-client-for-tenant.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';

export interface DeletionCheckDeps {
  db: Database;
  secrets: SecretBox;
  /** Harvest clients for the tenant's connection; without it nothing can be checked. */
  harvestClientFor?: HarvestClientFactory;
}

/** What Harvest says about each application of a deleted candidate's journeys. */
export type ApplicationFate =
  | { applicationId: string; fate: 'gone' }
  | { applicationId: string; fate: 'alive'; candidateId: string | null };

/**
 * A `delete_candidate` with empty `deleted_application_ids` is what a merge looks like to a customer
 * who subscribed to deletions but not merges (greenhouse.md §0): the applications live on under the
 * surviving candidate. So before erasing anything, each application is read from Harvest: one that
 * is gone (404) was deleted with the candidate; one that still exists names its candidate now.
 * Returns null when the tenant has no Greenhouse connection to ask. Other Harvest failures throw
 * (the webhook answers 503 and Greenhouse redelivers).
 */
export async function applicationFates(
  deps: DeletionCheckDeps,
  tenantId: string,
  applicationIds: string[],
): Promise<ApplicationFate[] | null> {
  if (!deps.harvestClientFor) return null;
  const found = await harvestClientForTenant({ ...deps, harvestClientFor: deps.harvestClientFor }, tenantId);
  if (!found || found.connection.status !== 'connected') return null;
  const { client } = found;
  const fates: ApplicationFate[] = [];
  for (const applicationId of applicationIds) {
    try {
      const application = await client.getApplication(Number(applicationId));
      fates.push({
        applicationId,
        fate: 'alive',
        candidateId: application.candidateId === null ? null : String(application.candidateId),
      });
    } catch (err) {
      if (isHarvestError(err) && err.kind === 'not_found') fates.push({ applicationId, fate: 'gone' });
      else throw err;
    }
  }
  return fates;
}
