import {
  condition,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';
import { replaceableStatuses, type RefereeStatus } from '../../domain/reference-checks/types.js';
import { isSealed, type SealedValue } from '../../domain/sealed.js';
import { reminderSchedule } from '../../domain/assessments/reminders.js';
import { localActivityOptions } from '../shared/activity-options.js';
import type { JourneyActivities } from '../shared/contract.js';
import { greenhouse, Journey } from '../shared/journey.js';
import { refusedReason } from '../shared/mail-refused.js';
import {
  checkCompletedSignal,
  stopRefereeSignal,
  type NominateRefereesRequest,
  type NominateRefereesResult,
  type ReferenceCheckActivities,
  type ReferenceCheckJourneyInput,
  type ReferenceCheckState,
  type RefereeRequestState,
} from './contract.js';
import { refereeRequest } from './referee-request.js';

const DAY = 86_400_000;

const local = proxyActivities<ReferenceCheckActivities & JourneyActivities>(localActivityOptions);

/** Referee statuses that still may turn into an answer. */
const pending = (s: RefereeStatus) => s === 'nominated' || s === 'requested' || s === 'opened';

/**
 * One reference check's state and steps: the workflow (reference-check-journey.ts) wires its
 * messages to the methods here and runs the steps in order. The state holds ids and counts; names,
 * e-mails and answers stay in the database.
 */
export class ReferenceCheck extends Journey<ReferenceCheckState> {
  private readonly policy;
  private nominating = false;
  private forced: { reason: string | SealedValue; by: string } | null = null;
  /** A force-complete's sealed reason, passed on unread (activities unseal it). */
  private reasonNote: SealedValue | null = null;
  /** Something a waiting step should look at again (a referee's progress, new nominations). */
  private changed = false;
  private replaceRequests = 0;
  // From the moment the invitation went out: a quick candidate may answer before 'sent' is recorded.
  private invited = false;
  private invitedAt = 0;
  /** An operator asked for the nomination request again (with a corrected address, after a refusal). */
  private resendRequested = false;
  private readonly children = new Map<string, ChildWorkflowHandle<typeof refereeRequest>>();
  /** Why the check completes: 'quorum', 'deadline', or who forced it and why. */
  private reason = 'quorum';

  constructor(override readonly input: ReferenceCheckJourneyInput) {
    super('reference_check', input, {
      journeyId: input.journeyId,
      status: 'created',
      waitingFor: null,
      nominationDeadlineAt: null,
      deadlineAt: null,
      invitesSent: 0,
      remindersSent: 0,
      referees: [],
      answered: 0,
      quorum: input.policy.quorum,
      partial: null,
      meanRating: null,
      stopReason: null,
    });
    this.policy = input.policy;
  }

  // --- Messages ---------------------------------------------------------------------------------

  protected override stoppable() {
    return true;
  }
  protected override assertCancellable() {
    if (this.finished || this.stopped() || this.forced)
      throw new Error(`the check can no longer be cancelled: it is ${this.state.status}`);
  }
  protected override idle() {
    return !this.nominating;
  }
  protected override async beforeEnd(status: JourneyStatus) {
    await this.stopChildren(this.state.stopReason ?? status);
  }

  private active() {
    return this.state.referees.filter((r) => !replaceableStatuses.has(r.status)).length;
  }

  setRefereeStatus(refereeId: string, status: RefereeStatus, late = false) {
    const referee = this.state.referees.find((r) => r.refereeId === refereeId);
    // Final states never go back (a late progress signal after the child's result).
    if (!referee || (!pending(referee.status) && referee.status !== status)) return;
    if (referee.status === status && referee.late === late) return;
    referee.status = status;
    referee.late = late;
    if (!this.finished)
      this.state.answered = this.state.referees.filter((r) => r.status === 'answered' && !r.late).length;
    this.changed = true;
  }

  assertCanNominate({ nominations }: NominateRefereesRequest) {
    if (this.nominating) throw new Error('another nomination is being saved; try again in a moment');
    if (!this.invited || this.finished || this.stopped() || this.forced)
      throw new Error(`referees can no longer be named: the check is ${this.state.status}`);
    if (!Array.isArray(nominations) && !isSealed(nominations)) throw new Error('nominations must be a list');
  }
  /** Stores the candidate's referees and starts one child workflow per referee. */
  async nominate({ nominations, client }: NominateRefereesRequest): Promise<NominateRefereesResult> {
    this.nominating = true;
    try {
      const stored = await local.storeNominations({
        journeyId: this.journeyId,
        firstPosition: this.state.referees.length + 1,
        nominations,
        client,
      });
      if (!stored.ok) return stored;
      for (const { refereeId, relationship } of stored.referees) {
        this.state.referees.push({ refereeId, relationship, status: 'nominated', late: false });
        await this.requestReferee(refereeId);
      }
      this.changed = true;
      return { ok: true, refereeIds: stored.referees.map((r) => r.refereeId), state: this.state };
    } finally {
      this.nominating = false;
    }
  }

  private async requestReferee(refereeId: string) {
    const child = await startChild(refereeRequest, {
      workflowId: refereeId,
      args: [
        {
          journeyId: this.journeyId,
          tenantId: this.input.tenantId,
          refereeId,
          deadlineDays: this.policy.refereeDeadlineDays,
          reminders: this.policy.refereeReminders,
        },
      ],
      // A referee may still answer after the check completed: the answer is kept as late.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    this.children.set(refereeId, child);
    void child.result().then(
      (result: RefereeRequestState) => this.setRefereeStatus(refereeId, result.status, result.late),
      () => this.setRefereeStatus(refereeId, 'cancelled'),
    );
  }

  assertCanForceComplete({ reason, by }: { reason: string | SealedValue; by: string }) {
    if (this.finished || this.stopped() || this.forced)
      throw new Error(`the check can no longer be completed: it is ${this.state.status}`);
    if (!isSealed(reason) && (typeof reason !== 'string' || !reason.trim()))
      throw new Error('reason is required');
    if (typeof by !== 'string' || !by.trim()) throw new Error('by is required');
  }
  forceComplete({ reason, by }: { reason: string | SealedValue; by: string }) {
    this.forced = { reason: isSealed(reason) ? reason : reason.trim(), by: by.trim() };
    return this.state;
  }

  /** Until the candidate has named referees: their nomination request can be sent again. */
  assertCanResend() {
    if (!this.invited || this.finished || this.stopped() || this.forced || this.state.referees.length > 0)
      throw new Error(`cannot resend the invitation: the check is ${this.state.status}`);
  }
  /** Answers once the nomination request has been sent again. */
  async resendInvite() {
    this.resendRequested = true;
    await condition(() => !this.resendRequested);
    return this.state;
  }

  // --- Steps ------------------------------------------------------------------------------------

  /** Invites the candidate to name referees. */
  async inviteCandidate() {
    this.startDeadlines();
    this.state.invitesSent = 1;
    this.invited = true;
    // Added after checks were already running: histories recorded before it replay unchanged.
    if (patched('nomination-refused-waits')) {
      if (!(await this.inviteUntilDelivered())) return;
    } else await this.sendNominationMail('nomination_request', 1);
    await this.record('sent', `the candidate to name referees (at least ${this.policy.minReferees})`);
  }

  private startDeadlines() {
    const invitedAt = (this.invitedAt = Date.now());
    this.state.nominationDeadlineAt = new Date(
      invitedAt + this.policy.nominationDeadlineDays * DAY,
    ).toISOString();
    this.state.deadlineAt = new Date(invitedAt + this.policy.deadlineDays * DAY).toISOString();
  }

  /**
   * An address the mail server refuses for good waits for an operator: a resend (with a corrected
   * address) tries again, and the deadlines count from the request that got through. False when the
   * check was stopped or force-completed meanwhile (the next steps see why).
   */
  private async inviteUntilDelivered(): Promise<boolean> {
    for (let again = false; ; again = true) {
      const refused = await refusedReason(() =>
        local.sendNominationEmail({
          journeyId: this.journeyId,
          purpose: 'nomination_request',
          n: this.state.invitesSent,
          deadlineAt: this.state.nominationDeadlineAt!,
          refusalIsFinal: true,
        }),
      );
      // Answers the resend that asked for this attempt; one during the first is kept for awaitNominations.
      if (again) this.resendRequested = false;
      if (refused === null) return true;
      await this.record('created', `the invitation could not be delivered: ${refused}`);
      await condition(() => this.resendRequested || this.stopped() || this.forced !== null);
      if (this.stopped() || this.forced) {
        this.resendRequested = false;
        return false;
      }
      this.state.invitesSent++;
      this.startDeadlines();
    }
  }

  private sendNominationMail(
    purpose: 'nomination_request' | 'nomination_reminder' | 'nomination_expiry',
    n: number,
  ) {
    return local.sendNominationEmail({
      journeyId: this.journeyId,
      purpose,
      n,
      deadlineAt: this.state.nominationDeadlineAt!,
    });
  }

  /** Until the first referees are named: reminders; the nomination deadline ends the check. */
  async awaitNominations() {
    const nominationDeadline = Date.parse(this.state.nominationDeadlineAt!);
    const reminders = reminderSchedule({
      invitedAt: new Date(this.invitedAt).toISOString(),
      deadlineAt: this.state.nominationDeadlineAt!,
      policy: this.policy.candidateReminders,
    });
    while (this.state.referees.length === 0 && !this.stopped() && !this.forced) {
      const next = reminders.find((r) => Date.parse(r.at) > Date.now());
      const wakeAt = Math.min(next ? Date.parse(next.at) : Infinity, nominationDeadline);
      const woken = await condition(
        () =>
          this.state.referees.length > 0 || this.stopped() || this.forced !== null || this.resendRequested,
        Math.max(0, wakeAt - Date.now()),
      );
      if (this.resendRequested && this.state.referees.length === 0 && !this.stopped() && !this.forced) {
        this.state.invitesSent++;
        await this.sendNominationMail('nomination_request', this.state.invitesSent);
        this.resendRequested = false;
        continue;
      }
      if (woken) break;
      if (Date.now() >= nominationDeadline) {
        await condition(() => !this.nominating);
        if (this.state.referees.length > 0) break;
        await this.sendNominationMail('nomination_expiry', 1);
        this.state.stopReason = 'the candidate named no referees before the deadline';
        await this.expire();
      }
      this.state.remindersSent++;
      await this.sendNominationMail('nomination_reminder', this.state.remindersSent);
    }
    // A resend accepted just before the referees were named: nothing more to send, answer it.
    this.resendRequested = false;
  }

  private expire(): Promise<never> {
    return this.end('expired', () => this.patchOnEnd(() => this.sendCompletionPatch()));
  }

  /** Referees answer; the candidate may replace those who will not. Ends at the quorum, the deadline or when forced. */
  async awaitReferences() {
    const deadline = Date.parse(this.state.deadlineAt!);
    const replaced = new Set<string>();
    while (!this.stopped()) {
      // Reset before looking: whatever changes while this pass awaits wakes the next one.
      this.changed = false;
      await condition(() => !this.nominating);
      if (this.state.answered >= this.policy.quorum) break;
      if (this.forced) {
        const { by, reason } = this.forced;
        if (isSealed(reason)) {
          this.reason = `completed by ${by}`;
          this.reasonNote = reason;
        } else this.reason = `completed by ${by}: ${reason}`;
        break;
      }
      // Referees who will never answer: the candidate may name someone else while there is room.
      for (const referee of this.state.referees) {
        if (!replaceableStatuses.has(referee.status) || replaced.has(referee.refereeId)) continue;
        replaced.add(referee.refereeId);
        if (this.active() < this.policy.maxReferees && Date.now() < deadline) {
          await local.sendNominationEmail({
            journeyId: this.journeyId,
            purpose: 'replace_referee',
            n: ++this.replaceRequests,
            deadlineAt: this.state.deadlineAt!,
            reason: referee.status as 'declined' | 'bounced' | 'expired',
          });
        }
      }
      await this.record('in_progress', this.waitingText());
      const woken = await condition(
        () => this.changed || this.stopped() || this.forced !== null,
        Math.max(0, deadline - Date.now()),
      );
      if (!woken && Date.now() >= deadline) {
        this.reason = 'deadline';
        break;
      }
    }
    if (this.stopped()) await this.end('cancelled');
  }

  private waitingText() {
    const { quorum, maxReferees } = this.policy;
    const { answered } = this.state;
    const asked = this.state.referees.filter((r) => pending(r.status)).length;
    const missing = Math.max(0, quorum - answered);
    const room = maxReferees - this.active();
    return missing > 0 && asked < missing && room > 0
      ? `the candidate to name ${missing - asked} more referee(s): ${answered} of ${quorum} answers so far`
      : `referees to answer: ${answered} of ${quorum} needed (${asked} still asked)`;
  }

  /** Complete with the answers in: compile the report; referees still asked may answer late. */
  async compile() {
    this.finished = true;
    await condition(() => !this.nominating);
    const answeredIds = this.state.referees
      .filter((r) => r.status === 'answered' && !r.late)
      .map((r) => r.refereeId);
    if (answeredIds.length === 0 && this.reason === 'deadline') {
      this.state.stopReason = 'no referee answered before the deadline';
      await this.expire();
    }
    const { quorum } = this.policy;
    this.state.partial = answeredIds.length < quorum;
    const compiled = await local.compileReferenceCheck({
      journeyId: this.journeyId,
      answeredRefereeIds: answeredIds,
      quorum,
      partial: this.state.partial,
      reason: this.reason,
      ...(this.reasonNote ? { reasonNote: this.reasonNote } : {}),
    });
    this.state.meanRating = compiled.meanRating;
    // Referees still asked may answer until their own deadline; those answers are kept as late.
    await this.signalPending(checkCompletedSignal);
    const why = this.reason === 'deadline' ? 'deadline reached' : this.reason;
    await this.record(
      'complete',
      this.state.partial ? `partial: ${answeredIds.length} of ${quorum} referees answered (${why})` : null,
      new Date().toISOString(),
    );
  }

  private async stopChildren(reason: string) {
    for (const referee of this.state.referees) {
      if (!pending(referee.status)) continue;
      await this.children
        .get(referee.refereeId)
        ?.signal(stopRefereeSignal, { reason })
        .catch(() => undefined);
    }
  }

  private async signalPending(signal: typeof checkCompletedSignal) {
    for (const referee of this.state.referees) {
      if (pending(referee.status))
        await this.children
          .get(referee.refereeId)
          ?.signal(signal)
          .catch(() => undefined);
    }
  }

  /** The result into Greenhouse: status, custom fields, note and report. */
  async writeBackResult() {
    const ids = { journeyId: this.journeyId };
    await this.writeBack([
      { step: 'sendCompletionPatch', run: () => this.sendCompletionPatch() },
      { step: 'writeCustomFields', run: () => greenhouse.writeCustomFields(ids) },
      { step: 'addResultNote', run: () => greenhouse.addResultNote(ids) },
      { step: 'attachReport', run: () => greenhouse.attachReport(ids) },
    ]);
  }
}
