import type { Mailer } from '../../mail/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { createCompileActivities } from './compile.js';
import { createNominationActivities } from './nominations.js';
import { createRefereeActivities } from './referees.js';
import type { ReferenceCheckActivities } from '../../workflows/reference-check/contract.js';

export function createReferenceCheckActivities(
  deps: AssessmentDeps & { mailer: Mailer; secrets: SecretBox },
): ReferenceCheckActivities {
  return {
    ...createNominationActivities(deps),
    ...createRefereeActivities(deps),
    ...createCompileActivities(deps),
  };
}
