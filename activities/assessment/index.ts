import type { Resolver } from '../../greenhouse/callback/index.js';
import type { Mailer } from '../../mail/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { HarvestClientFactory } from '../../tenants/harvest-gateway.js';
import { createAssessmentMailActivities } from './candidate-mail.js';
import { createCompletionActivities } from '../../journeys/completion-callback.js';
import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { createWritebackActivities } from '../../journeys/greenhouse-writeback.js';
import { createReportActivities } from './report.js';
import { createResultActivities } from './results.js';
import type { AssessmentActivities } from '../../workflows/assessment/contract.js';

export type AssessmentActivityDeps = AssessmentDeps & {
  mailer: Mailer;
  secrets: SecretBox;
  harvestClientFor: HarvestClientFactory;
  fetch?: typeof fetch;
  callbackSandboxHosts?: readonly string[];
  callbackResolve?: Resolver;
};

export function createAssessmentActivities(deps: AssessmentActivityDeps): AssessmentActivities {
  return {
    ...createAssessmentMailActivities(deps),
    ...createResultActivities(deps),
    ...createReportActivities(deps),
    ...createCompletionActivities(deps),
    ...createWritebackActivities(deps),
  };
}
