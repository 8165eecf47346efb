import { setHandler } from '@temporalio/workflow';
import { Assessment } from './assessment.js';
import {
  extendDeadlineUpdate,
  resendInviteUpdate,
  submitAnswersUpdate,
  submitGradesUpdate,
  testStartedSignal,
  type AssessmentJourneyInput,
  type AssessmentJourneyState,
  type SubmitAnswersRequest,
} from './contract.js';

/**
 * The assessment journey: invite → await submission (reminders, deadline, resend, extend, cancel)
 * → grade (keyed questions automatically, free text by a grader) → post result → write back.
 * The state and the steps live in Assessment; this wires the messages and runs the steps.
 */
export async function assessmentJourney(input: AssessmentJourneyInput): Promise<AssessmentJourneyState> {
  const journey = new Assessment(input);
  journey.handleProtocol();
  setHandler(testStartedSignal, (started) => journey.testStarted(started));
  setHandler(submitAnswersUpdate, (r) => journey.submitAnswers(r), {
    validator: (_r: SubmitAnswersRequest) => journey.assertCanSubmit(),
  });
  setHandler(submitGradesUpdate, (r) => journey.submitGrades(r), {
    validator: (r) => journey.assertCanGrade(r),
  });
  setHandler(resendInviteUpdate, () => journey.resendInvite(), {
    validator: () => journey.assertCanResend(),
  });
  setHandler(extendDeadlineUpdate, (r) => journey.extendDeadline(r), {
    validator: (r) => journey.assertCanExtend(r),
  });

  return journey.run(async () => {
    await journey.begin();
    await journey.awaitApplication(input.policy.applicationMatch);
    await journey.invite();
    await journey.awaitSubmission();
    await journey.grade();
    await journey.postResult();
    await journey.writeBackResult();
  });
}
