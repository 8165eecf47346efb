import { condition, getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { ClientFingerprint, RefereeStatus } from '../../domain/reference-checks/types.js';
import { reminderSchedule } from '../../domain/assessments/reminders.js';
import { isSealed, type SealedValue } from '../../domain/sealed.js';
import { localActivityOptions } from '../shared/activity-options.js';
import {
  refereeProgressSignal,
  type ReferenceCheckActivities,
  type RefereeRequestInput,
  type RefereeRequestState,
  type SubmitReferenceRequest,
} from './contract.js';

const DAY = 86_400_000;

const local = proxyActivities<ReferenceCheckActivities>(localActivityOptions);

/** Ends the request early (bounced): unwinds the remaining steps. */
class RequestEnded {}

/**
 * One referee's request, its state and steps: the workflow (referee-request.ts) wires its messages
 * to the methods here and runs the steps in order.
 */
export class Referee {
  readonly state: RefereeRequestState;
  private stopReason: string | null = null;
  private openedBy: ClientFingerprint | SealedValue | null = null;
  private saving = false;
  private requestedAt = 0;

  constructor(readonly input: RefereeRequestInput) {
    this.state = {
      refereeId: input.refereeId,
      status: 'requested',
      deadlineAt: null,
      remindersSent: 0,
      late: false,
      checkCompleted: false,
    };
  }

  private get refereeId() {
    return this.input.refereeId;
  }

  private open() {
    const { status } = this.state;
    return (status === 'requested' || status === 'opened') && !this.stopReason && !this.saving;
  }

  // --- Messages ---------------------------------------------------------------------------------

  opened(client: ClientFingerprint | SealedValue) {
    if (this.state.status === 'requested') this.openedBy = client;
  }
  checkCompleted() {
    this.state.checkCompleted = true;
  }
  stop(reason: string) {
    if (this.state.status === 'requested' || this.state.status === 'opened') this.stopReason ??= reason;
  }

  assertOpen(what: string) {
    if (this.saving) throw new Error('your previous answer is still being saved');
    if (!this.open())
      throw new Error(
        `this request can no longer ${what}: it is ${this.stopReason ? 'closed' : this.state.status}`,
      );
  }
  /** Saves while no other message may change the request (the loop waits for it). */
  private async save(work: () => Promise<void>) {
    this.saving = true;
    try {
      await work();
    } finally {
      this.saving = false;
    }
    return this.state;
  }
  answer({ answers, client, openedAt }: SubmitReferenceRequest) {
    return this.save(async () => {
      const stored = await local.storeRefereeAnswers({
        refereeId: this.refereeId,
        answers,
        client,
        openedAt,
        submittedAt: new Date().toISOString(),
      });
      this.state.late = stored.late;
      this.state.status = 'answered';
    });
  }
  decline({ reason }: { reason: string | null | SealedValue }) {
    return this.save(async () => {
      await local.recordRefereeStatus({
        refereeId: this.refereeId,
        status: 'declined',
        at: new Date().toISOString(),
        // Sealed: passed on unread (the activity trims it).
        reason: isSealed(reason)
          ? reason
          : typeof reason === 'string' && reason.trim()
            ? reason.trim().slice(0, 2000)
            : null,
      });
      this.state.status = 'declined';
    });
  }

  // --- Steps ------------------------------------------------------------------------------------

  /** Runs the steps; a bounced request unwinds the rest. */
  async run(steps: () => Promise<void>): Promise<RefereeRequestState> {
    try {
      await steps();
    } catch (err) {
      if (!(err instanceof RequestEnded)) throw err;
    }
    return this.state;
  }

  private async tellParent(status: RefereeStatus) {
    // The parent may have completed already (late answers): nothing to tell.
    await getExternalWorkflowHandle(this.input.journeyId)
      .signal(refereeProgressSignal, { refereeId: this.refereeId, status })
      .catch(() => undefined);
  }

  /** The request e-mail; an address the mail server refuses ends the request as bounced. */
  async request() {
    this.requestedAt = Date.now();
    this.state.deadlineAt = new Date(this.requestedAt + this.input.deadlineDays * DAY).toISOString();
    const request = await local.sendRefereeEmail({
      refereeId: this.refereeId,
      purpose: 'request',
      n: 1,
      deadlineAt: this.state.deadlineAt,
    });
    if (request.bounced) {
      this.state.status = 'bounced';
      await local.recordRefereeStatus({
        refereeId: this.refereeId,
        status: 'bounced',
        at: new Date().toISOString(),
      });
      await this.tellParent('bounced');
      throw new RequestEnded();
    }
    await local.recordRefereeStatus({
      refereeId: this.refereeId,
      status: 'requested',
      at: new Date(this.requestedAt).toISOString(),
      dueAt: this.state.deadlineAt,
    });
    await this.tellParent('requested');
  }

  /** The answer, with reminders (until the check completes) and the deadline. */
  async awaitAnswer() {
    const deadlineAt = this.state.deadlineAt!;
    const deadline = Date.parse(deadlineAt);
    const reminders = reminderSchedule({
      invitedAt: new Date(this.requestedAt).toISOString(),
      deadlineAt,
      policy: this.input.reminders,
    });
    let completedSeen = false;
    while (this.open() || this.saving) {
      const next = this.state.checkCompleted
        ? undefined
        : reminders.find((r) => Date.parse(r.at) > Date.now());
      const wakeAt = Math.min(next ? Date.parse(next.at) : Infinity, deadline);
      const woken = await condition(
        () => !this.open() || this.openedBy !== null || this.state.checkCompleted !== completedSeen,
        Math.max(0, wakeAt - Date.now()),
      );
      completedSeen = this.state.checkCompleted;
      if (this.saving) {
        await condition(() => !this.saving);
        continue;
      }
      if (!this.open()) break;
      if (this.openedBy) {
        this.openedBy = null;
        this.state.status = 'opened';
        await local.recordRefereeStatus({
          refereeId: this.refereeId,
          status: 'opened',
          at: new Date().toISOString(),
        });
        await this.tellParent('opened');
        continue;
      }
      if (woken) continue;
      if (Date.now() >= deadline) {
        this.state.status = 'expired';
        break;
      }
      this.state.remindersSent++;
      await local.sendRefereeEmail({
        refereeId: this.refereeId,
        purpose: 'reminder',
        n: this.state.remindersSent,
        deadlineAt,
      });
    }
  }

  /** Records how the request ended (expired, cancelled) and tells the parent. */
  async close() {
    const { state } = this;
    if (this.stopReason && state.status !== 'answered' && state.status !== 'declined')
      state.status = 'cancelled';
    if (state.status === 'expired' || state.status === 'cancelled') {
      await local.recordRefereeStatus({
        refereeId: this.refereeId,
        status: state.status,
        at: new Date().toISOString(),
        reason: this.stopReason,
      });
    }
    await this.tellParent(state.status);
  }
}
