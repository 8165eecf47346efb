import { ActivityFailure, condition, proxyActivities } from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';
import { localActivityOptions } from '../shared/activity-options.js';
import { greenhouse, Journey, type WritebackPlanStep } from '../shared/journey.js';
import type {
  OrderMailPurpose,
  SubmitResultAnswer,
  SubmitResultRequest,
  VendorOrderActivities,
  VendorOrderJourneyInput,
  VendorOrderJourneyState,
} from './contract.js';
import type { AcceptedVendorResult } from '../../domain/vendor/package.js';

const DAY = 86_400_000;

const local = proxyActivities<VendorOrderActivities>(localActivityOptions);

/**
 * One vendor-hosted order's state and steps: greenroom invites (or leaves it to the vendor), the
 * vendor's product runs the test and puts the result (submitResult), greenroom writes it back.
 * The state holds ids, times, the score and the result's hash; the result itself is in vendor_orders.
 */
export class VendorOrder extends Journey<VendorOrderJourneyState> {
  private inviteDelivery: 'greenroom' | 'vendor' = 'greenroom';
  private invitedAt = 0;
  private started = false;
  private result: AcceptedVendorResult | null = null;
  /** Set as soon as a result is being accepted: a second one is judged against it. */
  private acceptingHash: string | null = null;
  private writebackFailures = 0;

  constructor(override readonly input: VendorOrderJourneyInput) {
    super('vendor_hosted', input, {
      journeyId: input.journeyId,
      status: 'created',
      waitingFor: null,
      deadlineAt: null,
      invitesSent: 0,
      remindersSent: 0,
      resultHash: null,
      resultStatus: null,
      scorePercent: null,
      passed: null,
      stopReason: null,
    });
  }

  // --- Messages ---------------------------------------------------------------------------------

  protected override stoppable() {
    return this.acceptingHash === null;
  }
  protected override assertCancellable() {
    if (this.finished || this.acceptingHash !== null)
      throw new Error(`the order can no longer be cancelled: it is ${this.state.status}`);
  }
  protected override scorePercent() {
    return this.state.scorePercent;
  }

  orderStarted() {
    this.started = true;
  }

  /** Refuses what cannot be accepted; the same request again passes (it answers the same). */
  assertCanSubmit({ hash }: SubmitResultRequest) {
    if (this.acceptingHash !== null) {
      if (hash === this.acceptingHash) return;
      throw new Error('a different result was already accepted for this order');
    }
    if (this.finished || this.stopped())
      throw new Error(`the order is closed: the journey is ${this.state.status}`);
  }

  async submitResult({ result, hash, scorePercent }: SubmitResultRequest): Promise<SubmitResultAnswer> {
    if (this.acceptingHash !== null) {
      await condition(() => this.result !== null);
      return { accepted: true, created: false, result: this.result! };
    }
    this.acceptingHash = hash;
    const stored = await local.acceptOrderResult({ journeyId: this.journeyId, result, hash });
    this.state.resultHash = hash;
    this.state.resultStatus = stored.result.status;
    this.state.scorePercent = scorePercent;
    this.state.passed = stored.result.passed;
    this.result = stored.result;
    return { accepted: true, created: true, result: stored.result };
  }

  // --- Steps ------------------------------------------------------------------------------------

  /** The order row and order.created, before anything else the vendor could see. */
  async beginOrder() {
    await this.begin();
    ({ inviteDelivery: this.inviteDelivery } = await local.beginOrder({ journeyId: this.journeyId }));
  }

  private get deadline(): string {
    return this.state.deadlineAt!;
  }

  private mail(purpose: OrderMailPurpose, n: number) {
    // The vendor invites its candidates itself: greenroom sends nothing.
    if (this.inviteDelivery !== 'greenroom') return Promise.resolve();
    return local.sendOrderEmail({ journeyId: this.journeyId, purpose, n, deadlineAt: this.deadline });
  }

  async invite() {
    this.invitedAt = Date.now();
    this.state.deadlineAt = new Date(this.invitedAt + this.input.policy.deadlineDays * DAY).toISOString();
    this.state.invitesSent++;
    await this.mail('invite', 1);
    await this.record('sent', 'the candidate to take the vendor-hosted test');
  }

  /** Until the vendor's result: reminders, progress, the deadline; a stop ends it. */
  async awaitResult() {
    let recordedStarted = false;
    while (this.acceptingHash === null && !this.stopped()) {
      if (this.started && !recordedStarted) {
        recordedStarted = true;
        await this.record('in_progress', 'the vendor to put the result');
      }
      const next = this.remindersDue()[0];
      const wakeAt = Math.min(next ?? Infinity, Date.parse(this.deadline));
      const woken = await condition(
        () => this.acceptingHash !== null || this.stopped() || this.started !== recordedStarted,
        Math.max(0, wakeAt - Date.now()),
      );
      if (woken) continue;
      if (Date.now() >= Date.parse(this.deadline)) await this.expire();
      this.state.remindersSent++;
      await this.mail('reminder', this.state.remindersSent);
    }
    if (this.acceptingHash === null) {
      await this.end('cancelled', () =>
        local.closeOrder({ journeyId: this.journeyId, status: 'cancelled', reason: this.state.stopReason }),
      );
    }
    await condition(() => this.result !== null);
  }

  /** Reminder times still ahead (days after the invite, before the deadline). */
  private remindersDue(): number[] {
    return this.input.policy.reminders
      .map((days) => this.invitedAt + days * DAY)
      .filter((at) => at > Date.now() && at < Date.parse(this.deadline))
      .sort((a, b) => a - b);
  }

  private async expire(): Promise<never> {
    await this.mail('expiry', 1);
    this.state.stopReason = 'the deadline passed before the vendor put a result';
    return this.end('expired', async () => {
      await local.closeOrder({ journeyId: this.journeyId, status: 'expired', reason: null });
      await this.notifyGreenhouse();
    });
  }

  /** A result other than completed ends the journey so (Greenhouse learns it through the PATCH). */
  async closeUnlessCompleted() {
    const status = this.result!.status;
    if (status === 'completed') return;
    const ended: JourneyStatus = status === 'expired' ? 'expired' : 'cancelled';
    this.state.stopReason = `the vendor reported the order ${status}`;
    await this.end(ended, () => this.notifyGreenhouse());
  }

  /** The result into the read model (test_status answers from it). */
  async recordResult() {
    this.finished = true;
    await this.record('complete', null, this.result!.completed_at ?? new Date().toISOString());
  }

  /** Then into Greenhouse: status, custom fields (with mapped attributes), note, report, stage rule. */
  async writeBackResult() {
    const ids = { journeyId: this.journeyId };
    const passed = this.result!.passed;
    const steps: WritebackPlanStep[] = [
      { step: 'sendCompletionPatch', run: () => this.notifyGreenhouse() },
      { step: 'writeCustomFields', run: () => greenhouse.writeCustomFields(ids) },
      { step: 'addResultNote', run: () => greenhouse.addResultNote(ids) },
      ...(this.result!.report
        ? [{ step: 'attachReport' as const, run: () => greenhouse.attachReport(ids) }]
        : []),
      ...(passed !== null
        ? [
            {
              step: 'moveStageOnResult' as const,
              run: () => greenhouse.moveStageOnResult({ ...ids, passed }),
            },
          ]
        : []),
    ];
    await this.writeBack(steps.map((s) => ({ ...s, run: () => this.announcingWait(s) })));
    await local.emitWritebackEvent({ ...ids, type: 'writeback.completed', step: null, n: 1 });
  }

  /** A step that fails for good waits for an operator: the vendor hears writeback.waiting. */
  private async announcingWait({ step, run }: WritebackPlanStep) {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ActivityFailure) {
        await local.emitWritebackEvent({
          journeyId: this.journeyId,
          type: 'writeback.waiting',
          step,
          n: ++this.writebackFailures,
        });
      }
      throw err;
    }
  }

  /** PATCH the completion URL (the activity decides from the read model whether there is one). */
  private async notifyGreenhouse() {
    await this.sendCompletionPatch();
  }
}
