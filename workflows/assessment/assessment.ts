import { condition, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';
import { reminderSchedule } from '../../domain/assessments/reminders.js';
import { isSealed } from '../../domain/sealed.js';
import { firstAttemptLocally, localActivityOptions, urgent } from '../shared/activity-options.js';
import { START_PATH, type JourneyActivities } from '../shared/contract.js';
import { locallyFirst } from '../shared/local-first.js';
import { greenhouse, Journey } from '../shared/journey.js';
import { refusedReason } from '../shared/mail-refused.js';
import { MAIL_REFUSED } from '../../domain/mail-refusal.js';
import type {
  AssessmentActivities,
  AssessmentJourneyInput,
  AssessmentJourneyState,
  FinalResult,
  SubmitAnswersRequest,
  SubmitGradesRequest,
  TestStarted,
} from './contract.js';

const HOUR = 3_600_000;

const local = proxyActivities<AssessmentActivities & JourneyActivities>(localActivityOptions);
/** From the submission to its result and report: ahead of older journeys' write-back steps. */
const onTheResultPath = proxyActivities<
  Pick<AssessmentActivities, 'storeSubmission' | 'finalizeResult' | 'renderReport'>
>(urgent(localActivityOptions));
/**
 * The result and its report tried in the worker first (patch 'result-locally'): between a
 * candidate's submit and the completion PATCH, each activity costs a dispatch and a workflow task
 * to hear it, and on a busy worker those waits made the tail (bench/submission-latency.ts: 1.7 s
 * of a 3.2 s p99 was outside the activities).
 */
const resultNearby = proxyLocalActivities<Pick<AssessmentActivities, 'finalizeResult' | 'renderReport'>>(
  firstAttemptLocally(localActivityOptions.startToCloseTimeout),
);
/** The invite's first attempt in the worker (start path 2): one attempt, as long as the activity's. */
const nearby = proxyLocalActivities<Pick<AssessmentActivities, 'sendCandidateEmail'>>(
  firstAttemptLocally(localActivityOptions.startToCloseTimeout),
);

/**
 * One assessment's state and steps: the workflow (assessment-journey.ts) wires its messages to the
 * methods here and runs the steps in order. Every effect is an idempotent activity; the state holds
 * only ids, times and scores.
 */
export class Assessment extends Journey<AssessmentJourneyState> {
  private submitted = false;
  private needsGrader = false;
  private graded = false;
  /** Waiting for a grader, in journeys whose grading a Greenhouse stop ends (patch 'grading-stoppable'). */
  private grading = false;
  private resendRequested = false;
  private deadlineChanged = false;
  private invitedAt = 0;
  /** The first open of the test page (ms), as the page recorded it; the time limit counts from it. */
  private startedAt: number | null = null;
  /** The limit the page reported with the start (for journeys whose policy predates limits). */
  private pageLimitMinutes: number | null = null;
  private result: FinalResult | null = null;

  constructor(override readonly input: AssessmentJourneyInput) {
    super('assessment', input, {
      journeyId: input.journeyId,
      status: 'created',
      waitingFor: null,
      deadlineAt: null,
      invitesSent: 0,
      remindersSent: 0,
      scorePercent: null,
      passed: null,
      stopReason: null,
    });
  }

  // --- Messages ---------------------------------------------------------------------------------

  protected override stoppable() {
    return !this.submitted || (this.grading && !this.graded);
  }
  protected override assertCancellable() {
    if (this.finished || this.submitted)
      throw new Error(`the journey can no longer be cancelled: it is ${this.state.status}`);
  }
  protected override scorePercent() {
    return this.state.scorePercent;
  }

  /** Open from the moment the invite went out: a quick candidate may submit before 'sent' is recorded. */
  private awaitingSubmission() {
    return (
      this.state.invitesSent > 0 &&
      !this.finished &&
      ['created', 'sent', 'in_progress'].includes(this.state.status)
    );
  }
  private assertAwaitingSubmission(what: string) {
    if (!this.awaitingSubmission() || this.submitted || this.stopped()) {
      throw new Error(`cannot ${what}: the journey is ${this.state.status}`);
    }
  }

  testStarted(started?: TestStarted) {
    if (this.state.status === 'sent') this.state.status = 'in_progress'; // recorded on the next step
    if (this.startedAt !== null || this.finished) return;
    const at = Date.parse(started?.startedAt ?? '');
    this.startedAt = Number.isNaN(at) ? Date.now() : at;
    const minutes = started?.timeLimitMinutes;
    if (typeof minutes === 'number' && minutes > 0) this.pageLimitMinutes = minutes;
    const limit = this.timeLimitEndsAt();
    if (limit !== null) this.state.timeLimitEndsAt = new Date(limit).toISOString();
  }

  /** When the time limit runs out: the first open plus the test's limit; null without either. */
  private timeLimitEndsAt(): number | null {
    const minutes = this.input.policy.timeLimitMinutes ?? this.pageLimitMinutes;
    if (!minutes || this.startedAt === null) return null;
    return this.startedAt + minutes * 60_000;
  }

  /**
   * A worker killed inside a journey's first workflow task, after SMTP took the invitation (sent
   * locally in that task: start path 2), leaves no task completed. The next worker runs the journey
   * from its start with the candidate's answers in the same activation, before this run reaches
   * the invite: the candidate has the link, so the answers are taken, and the invite step that
   * follows finds its mail in the ledger. (A link exists only once an invitation was sent.)
   */
  private beforeInviteRecorded() {
    return (
      this.state.invitesSent === 0 && this.state.status === 'created' && !this.finished && !this.stopped()
    );
  }
  assertCanSubmit() {
    if (this.submitted) throw new Error('the answers were already submitted');
    if (!this.awaitingSubmission() && !this.beforeInviteRecorded())
      throw new Error(`the test can no longer be submitted: the journey is ${this.state.status}`);
    const limit = this.timeLimitEndsAt();
    if (limit !== null && Date.now() > limit)
      throw new Error(`the time limit ran out at ${new Date(limit).toISOString()}`);
  }
  async submitAnswers({ answers }: SubmitAnswersRequest) {
    const { freeTextToGrade } = await onTheResultPath.storeSubmission({
      journeyId: this.journeyId,
      answers,
      submittedAt: new Date().toISOString(),
    });
    this.submitted = true;
    this.needsGrader = freeTextToGrade > 0;
    return this.state;
  }

  assertCanGrade({ gradedBy }: SubmitGradesRequest) {
    if (this.state.status !== 'awaiting_grading')
      throw new Error(`nothing to grade: the journey is ${this.state.status}`);
    if (this.graded) throw new Error('the answers were already graded');
    if (this.stopped()) throw new Error(`nothing to grade: ${this.state.stopReason}`);
    // Sealed (the grade page seals it): passed on unread; the activity unseals it.
    if (!isSealed(gradedBy) && (typeof gradedBy !== 'string' || !gradedBy.trim()))
      throw new Error('gradedBy is required');
  }
  async submitGrades(request: SubmitGradesRequest) {
    await local.storeGrades({ journeyId: this.journeyId, ...request });
    this.graded = true;
    return this.state;
  }

  assertCanResend() {
    this.assertAwaitingSubmission('resend the invitation');
  }
  /** Answers once the awaitSubmission loop has sent the invitation again. */
  async resendInvite() {
    this.resendRequested = true;
    await condition(() => !this.resendRequested);
    return this.state;
  }

  assertCanExtend({ deadlineAt }: { deadlineAt: string }) {
    this.assertAwaitingSubmission('extend the deadline');
    const next = Date.parse(deadlineAt);
    if (Number.isNaN(next)) throw new Error('deadlineAt must be an ISO date-time');
    if (next <= Date.parse(this.state.deadlineAt ?? ''))
      throw new Error('the new deadline must be later than the current one');
  }
  extendDeadline({ deadlineAt }: { deadlineAt: string }) {
    this.state.deadlineAt = new Date(deadlineAt).toISOString();
    this.deadlineChanged = true;
    return this.state;
  }

  // --- Steps ------------------------------------------------------------------------------------

  private get deadline(): string {
    return this.state.deadlineAt!;
  }

  private async sendInvite() {
    this.state.invitesSent++;
    await local.sendCandidateEmail({
      journeyId: this.journeyId,
      purpose: 'invite',
      n: this.state.invitesSent,
      deadlineAt: this.deadline,
    });
  }

  async invite() {
    this.startDeadline();
    // Added after journeys were already running: histories recorded before it replay unchanged.
    if (this.since('invite-refused-waits')) await this.inviteUntilDelivered();
    else await this.sendInvite();
    await this.record('sent', 'the candidate to take the test');
  }

  private startDeadline() {
    this.invitedAt = Date.now();
    this.state.deadlineAt = new Date(
      this.invitedAt + this.input.policy.deadlineDays * 24 * HOUR,
    ).toISOString();
  }

  /**
   * An address the mail server refuses for good waits for an operator: a resend (with a corrected
   * address) tries again, and the deadline counts from the invitation that got through.
   */
  private async inviteUntilDelivered() {
    for (let again = false; ; again = true) {
      this.state.invitesSent++;
      const invite = {
        journeyId: this.journeyId,
        purpose: 'invite' as const,
        n: this.state.invitesSent,
        deadlineAt: this.deadline,
        refusalIsFinal: true,
      };
      const refused = await refusedReason(() =>
        this.input.startPath === START_PATH
          ? locallyFirst(
              'sendCandidateEmail',
              () => nearby.sendCandidateEmail(invite),
              () => local.sendCandidateEmail(invite),
              [MAIL_REFUSED],
            )
          : local.sendCandidateEmail(invite),
      );
      // Answers the resend that asked for this attempt; one that came during the first is kept for
      // awaitSubmission (the invite went out, the resend sends it again, as before this step).
      if (again) this.resendRequested = false;
      if (refused === null) return;
      await this.record('created', `the invitation could not be delivered: ${refused}`);
      await condition(() => this.resendRequested || this.stopped());
      if (this.stopped()) return this.end('cancelled');
      this.startDeadline();
    }
  }

  /** Until the answers arrive: reminders, resends, a moved deadline; expiry or a stop ends it. */
  async awaitSubmission() {
    // What invite() recorded: the candidate may have opened the test since (testStarted).
    let recordedStatus: JourneyStatus = 'sent';
    while (!this.submitted && !this.stopped()) {
      if (this.state.status !== recordedStatus) {
        recordedStatus = this.state.status;
        await this.record(this.state.status, 'the candidate to finish the test');
      }
      const next = this.remindersDue()[0];
      // Added with the time limit: only journeys whose policy has one (and were opened) reach patched().
      const limit = this.timeLimitEndsAt() !== null && patched('time-limit') ? this.timeLimitEndsAt() : null;
      const wakeAt = Math.min(
        next ? Date.parse(next.at) : Infinity,
        Date.parse(this.deadline),
        limit ?? Infinity,
      );
      this.deadlineChanged = false;
      const started = this.startedAt;
      const woken = await condition(
        () =>
          this.submitted ||
          this.stopped() ||
          this.resendRequested ||
          this.deadlineChanged ||
          this.startedAt !== started ||
          this.state.status !== recordedStatus,
        Math.max(0, wakeAt - Date.now()),
      );
      if (this.submitted || this.stopped()) break;
      if (this.resendRequested) {
        await this.sendInvite();
        this.resendRequested = false;
        continue;
      }
      if (woken) continue; // a new deadline, start or status: recompute
      // Once the clock runs, the deadline too takes what was saved rather than losing it.
      if (limit !== null && Date.now() >= Math.min(limit, Date.parse(this.deadline))) {
        await this.takeAtTimeLimit(Math.min(limit, Date.parse(this.deadline)));
        break;
      }
      if (Date.now() >= Date.parse(this.deadline)) await this.expire();
      this.state.remindersSent++;
      await this.sendCandidateMail('reminder', this.state.remindersSent);
    }
    if (!this.submitted) await this.end('cancelled');
  }

  /** The time ran out: the answers saved so far (or none) are the submission, marked timed out. */
  private async takeAtTimeLimit(at: number) {
    const { freeTextToGrade } = await local.takeTimedOutSubmission({
      journeyId: this.journeyId,
      submittedAt: new Date(at).toISOString(),
    });
    this.submitted = true;
    this.state.timedOut = true;
    this.needsGrader = freeTextToGrade > 0;
  }

  private remindersDue() {
    return reminderSchedule({
      invitedAt: new Date(this.invitedAt).toISOString(),
      deadlineAt: this.deadline,
      policy: this.input.policy.reminders,
    }).filter((r) => Date.parse(r.at) > Date.now());
  }

  private sendCandidateMail(purpose: 'reminder' | 'expiry', n: number) {
    return local.sendCandidateEmail({ journeyId: this.journeyId, purpose, n, deadlineAt: this.deadline });
  }

  private async expire(): Promise<never> {
    await this.sendCandidateMail('expiry', 1);
    this.state.stopReason = 'the deadline passed before the candidate submitted';
    return this.end('expired', () => this.patchOnEnd(() => this.notifyGreenhouse()));
  }

  /** Keyed questions were graded on submission; free text waits for a person (with reminders). */
  async grade() {
    if (!this.needsGrader) return;
    // Added later: a candidate rejected or hired in Greenhouse meanwhile needs no grade, nor reminders.
    this.grading = patched('grading-stoppable');
    await this.record('awaiting_grading', 'a grader to grade the free-text answers');
    const requestedAt = Date.now();
    const reminderTimes = this.input.policy.graderReminderHours
      .map((h) => requestedAt + h * HOUR)
      .sort((a, b) => a - b);
    let n = 1;
    await this.requestGrading(n, requestedAt);
    const done = () => this.graded || this.stopped();
    for (const at of reminderTimes) {
      if (await condition(done, Math.max(0, at - Date.now()))) break;
      await this.requestGrading(++n, at);
    }
    await condition(done);
    if (!this.graded) await this.end('cancelled');
  }

  private requestGrading(n: number, from: number) {
    return local.requestGrading({
      journeyId: this.journeyId,
      n,
      dueBy: new Date(from + 24 * HOUR).toISOString(),
    });
  }

  /** The result into the read model first (test_status answers from it), with its report. */
  async postResult() {
    const ids = { journeyId: this.journeyId };
    const nearby = patched('result-locally');
    this.result = nearby
      ? await locallyFirst(
          'finalizeResult',
          () => resultNearby.finalizeResult(ids),
          () => onTheResultPath.finalizeResult(ids),
          [],
        )
      : await onTheResultPath.finalizeResult(ids);
    this.state.scorePercent = this.result.scorePercent;
    this.state.passed = this.result.passed;
    await (nearby
      ? locallyFirst(
          'renderReport',
          () => resultNearby.renderReport(ids),
          () => onTheResultPath.renderReport(ids),
          [],
        )
      : onTheResultPath.renderReport(ids));
    this.finished = true;
    await this.record('complete', null, new Date().toISOString());
  }

  /** Then into Greenhouse: status, custom fields, note, report, and the job's stage rule. */
  async writeBackResult() {
    const ids = { journeyId: this.journeyId };
    const passed = this.result!.passed;
    await this.writeBack([
      { step: 'sendCompletionPatch', run: () => this.notifyGreenhouse() },
      { step: 'writeCustomFields', run: () => greenhouse.writeCustomFields(ids) },
      { step: 'addResultNote', run: () => greenhouse.addResultNote(ids) },
      { step: 'attachReport', run: () => greenhouse.attachReport(ids) },
      {
        step: 'moveStageOnResult',
        run: () => greenhouse.moveStageOnResult({ ...ids, passed }),
        legacyIf: () => patched('stage-move-on-result'),
      },
    ]);
  }

  /**
   * PATCH the completion URL so Greenhouse reads test_status now. A journey another trigger started
   * may have learnt a URL from a later send_test: the activity decides from the read model.
   */
  private async notifyGreenhouse() {
    if (this.input.trigger !== 'greenhouse' && !patched('completion-patch-any-trigger')) return;
    await this.sendCompletionPatch();
  }
}
