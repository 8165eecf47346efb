import { setHandler } from '@temporalio/workflow';
import {
  forceCompleteUpdate,
  nominateRefereesUpdate,
  refereeProgressSignal,
  resendNominationUpdate,
  type ReferenceCheckJourneyInput,
  type ReferenceCheckState,
} from './contract.js';
import { ReferenceCheck } from './reference-check.js';

/**
 * The reference-check journey: invite the candidate to name referees (reminders, deadline) → one
 * child workflow per referee (started as they are named) → complete at the quorum, at the deadline
 * with what has arrived (partial), or when an operator force-completes → compile the PDF report →
 * post the result and attach the report in Greenhouse. The candidate may replace referees who
 * decline, bounce or expire. The state and the steps live in ReferenceCheck.
 */
export async function referenceCheckJourney(input: ReferenceCheckJourneyInput): Promise<ReferenceCheckState> {
  const check = new ReferenceCheck(input);
  check.handleProtocol();
  setHandler(refereeProgressSignal, ({ refereeId, status }) => check.setRefereeStatus(refereeId, status));
  setHandler(nominateRefereesUpdate, (r) => check.nominate(r), {
    validator: (r) => check.assertCanNominate(r),
  });
  setHandler(resendNominationUpdate, () => check.resendInvite(), {
    validator: () => check.assertCanResend(),
  });
  setHandler(forceCompleteUpdate, (r) => check.forceComplete(r), {
    validator: (r) => check.assertCanForceComplete(r),
  });

  return check.run(async () => {
    await check.begin();
    await check.awaitApplication(input.policy.applicationMatch);
    await check.inviteCandidate();
    await check.awaitNominations();
    await check.awaitReferences();
    await check.compile();
    await check.writeBackResult();
  });
}
