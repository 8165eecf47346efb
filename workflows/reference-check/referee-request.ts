import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import {
  checkCompletedSignal,
  declineReferenceUpdate,
  refereeOpenedSignal,
  refereeRequestStateQuery,
  stopRefereeSignal,
  submitReferenceUpdate,
  type RefereeRequestInput,
  type RefereeRequestState,
  type SubmitReferenceRequest,
} from './contract.js';
import { Referee } from './referee.js';
import type { SealedValue } from '../../domain/sealed.js';

/**
 * One referee's request (a child of the reference-check journey, id `<journeyId>:referee-<n>`):
 * request e-mail → reminders → an answer, a decline, or the deadline. It outlives its parent
 * (ParentClosePolicy ABANDON): after the check completed it stops reminding but still accepts an
 * answer until its deadline, which is kept as late. Progress is signalled to the parent.
 */
export async function refereeRequest(input: RefereeRequestInput): Promise<RefereeRequestState> {
  const referee = new Referee(input);
  setHandler(refereeRequestStateQuery, () => referee.state);
  setHandler(refereeOpenedSignal, ({ client }) => referee.opened(client));
  setHandler(checkCompletedSignal, () => referee.checkCompleted());
  setHandler(stopRefereeSignal, ({ reason }) => referee.stop(reason));
  setHandler(submitReferenceUpdate, (r) => referee.answer(r), {
    validator: (_r: SubmitReferenceRequest) => referee.assertOpen('answer'),
  });
  setHandler(declineReferenceUpdate, (r) => referee.decline(r), {
    validator: (_r: { reason: string | null | SealedValue }) => referee.assertOpen('decline'),
  });

  return referee.run(async () => {
    await referee.request();
    await referee.awaitAnswer();
    await referee.close();
    await condition(allHandlersFinished);
  });
}
