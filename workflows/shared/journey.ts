import {
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { JourneyKind, JourneyStatus } from '../../domain/journey.js';
import { isSealed, type SealedValue } from '../../domain/sealed.js';
import {
  GreenhouseApplicationIdKey,
  JourneyKindKey,
  JourneyStatusKey,
  TenantIdKey,
  TestIdKey,
} from '../../domain/search-attributes.js';
import {
  firstAttemptLocally,
  greenhouseActivityOptions,
  localActivityOptions,
  readModelLocalActivityOptions,
  urgent,
} from './activity-options.js';
import { awaitApplication } from './await-application.js';
import {
  JOURNEY_PREPARING,
  START_PATH,
  type ApplicationActivities,
  type JourneyActivities,
  type JourneyInputBase,
  type WritebackActivities,
} from './contract.js';
import { withGreenhouseConnection } from './greenhouse-wait.js';
import { CREDENTIAL_REFUSED_FAILURE } from '../../domain/greenhouse-connection.js';
import { locallyFirst } from './local-first.js';
import {
  cancelJourneyUpdate,
  greenhouseStopSignal,
  journeyStateQuery,
  type JourneyStateBase,
  type WritebackStep,
} from './protocol.js';
import { writebackWithRecovery } from './writeback.js';

const local = proxyActivities<JourneyActivities & JourneyFailureActivities>(localActivityOptions);
/** The read-model snapshot as a local activity (patch 'lean-start'): no activity task, no extra workflow task. */
const inWorker = proxyLocalActivities<JourneyActivities>(readModelLocalActivityOptions);
/** Greenhouse calls every journey kind makes (same activities, same idempotency ledger). */
export const greenhouse = proxyActivities<ApplicationActivities & WritebackActivities>(
  greenhouseActivityOptions,
);

/**
 * The application search's first attempt in the worker (start path 2). Short: the attempt holds its
 * workflow task (and a workflow-task slot of the worker) while it runs, so a Greenhouse that is
 * slow or a rate budget that makes it wait hands over to the activity after 10 s.
 */
const greenhouseNearby = proxyLocalActivities<ApplicationActivities>(firstAttemptLocally('10 seconds'));

/** Patches whose branch journeys on start path 2 take without a marker (JourneyInputBase.startPath). */
export type StartPathPatch = 'lean-start' | 'invite-refused-waits';

/** The completion PATCH: Greenhouse reads test_status when it arrives (activity-options.ts, urgent). */
const urgentGreenhouse = proxyActivities<WritebackActivities>(urgent(greenhouseActivityOptions));

/** The read model's record of a journey that fails (journeys/failed-journeys.ts). */
export interface JourneyFailureActivities {
  recordJourneyFailed(input: { journeyId: string; reason: string }): Promise<void>;
}

/** Why a journey failed, in the failure's words (activity failures name their step). */
function failureReason(err: TemporalFailure): string {
  const cause = err.cause?.message;
  const step = 'activityType' in err ? String(err.activityType) : null;
  return (step ? `${step} failed: ${cause ?? err.message}` : err.message).slice(0, 500);
}

/** Thrown by end(): unwinds the remaining steps; run() answers the final state. */
class JourneyEnded {}

export interface WritebackPlanStep {
  step: WritebackStep;
  run: () => Promise<unknown>;
  /** Histories from before write-back recovery ran this step only when this says so. */
  legacyIf?: () => boolean;
}

/**
 * What every journey kind shares: the protocol's handlers (state, cancel, Greenhouse's stop), the
 * read model (a snapshot per step with a rising state_version), the search attributes, finding
 * the application in vendor mode, ending, and the write-back. Each kind extends it with its state
 * and steps; the order of commands here is the order the recorded histories hold.
 */
export abstract class Journey<S extends JourneyStateBase & { deadlineAt: string | null }> {
  /** Set once the outcome is decided: late messages are refused from then on. */
  finished = false;
  applicationId: string | null;
  private version = 0;
  /**
   * Patch 'lean-start' (issue 17): snapshots run as local activities and search attributes are
   * upserted only when they change (the start sets the first ones), batched with the next snapshot.
   * Fixed at begin(): older histories keep their commands for life.
   */
  protected lean = false;

  constructor(
    readonly kind: JourneyKind,
    readonly input: JourneyInputBase,
    readonly state: S,
  ) {
    this.applicationId = input.applicationId;
  }

  /** Whether Greenhouse's stop still applies (besides not being finished). */
  protected abstract stoppable(): boolean;
  /** Throws when an operator may no longer cancel. */
  protected abstract assertCancellable(): void;
  /** The score the read model shows, if this kind has one. */
  protected scorePercent(): number | null {
    return null;
  }
  /** Runs when the journey ends early, before the final snapshot. */
  protected async beforeEnd(_status: JourneyStatus): Promise<void> {}
  /** False while a handler must finish before the journey may end. */
  protected idle(): boolean {
    return true;
  }

  get journeyId(): string {
    return this.input.journeyId;
  }

  stopped(): boolean {
    return this.state.stopReason !== null;
  }

  /** The protocol every kind answers; register before the first await. */
  handleProtocol(): void {
    setHandler(journeyStateQuery, () => this.state);
    setHandler(greenhouseStopSignal, ({ event }) => this.stopByGreenhouse(event));
    setHandler(cancelJourneyUpdate, ({ reason }) => this.cancel(reason), {
      validator: ({ reason }) => {
        this.assertCancellable();
        if (!isSealed(reason) && (typeof reason !== 'string' || !reason.trim()))
          throw new Error('reason is required');
      },
    });
  }

  private stopByGreenhouse(event: string): void {
    if (!this.finished && this.stoppable()) this.state.stopReason ??= `stopped by Greenhouse: ${event}`;
  }

  private cancel(reason: string | SealedValue): S {
    // Sealed: kept unread beside the plain stop reason (readers unseal it); older histories: plain text.
    if (isSealed(reason)) {
      this.state.stopReason = 'cancelled';
      this.state.stopNote = reason;
    } else this.state.stopReason = `cancelled: ${reason}`;
    return this.state;
  }

  /** Runs the steps; a step that ends the journey early unwinds the rest. */
  async run(steps: () => Promise<void>): Promise<S> {
    try {
      await steps();
    } catch (err) {
      if (err instanceof JourneyEnded) return this.state;
      // A failure that fails the workflow (not a workflow-task bug, which Temporal retries): the
      // read model says so. Added after journeys were running: older histories fail as they did.
      if (err instanceof TemporalFailure && !isCancellation(err) && patched('record-failure'))
        await local.recordJourneyFailed({ journeyId: this.journeyId, reason: failureReason(err) });
      throw err;
    }
    await condition(allHandlersFinished);
    return this.state;
  }

  /**
   * Whether this journey takes the branch of a patch of its start path: without a marker on start
   * path 2 (the branch was the only one when that path began), else as the history says.
   */
  protected since(patch: StartPathPatch): boolean {
    return this.input.startPath === START_PATH || patched(patch);
  }

  /** Search attributes and the first snapshot. */
  async begin(): Promise<void> {
    this.lean = this.since('lean-start');
    if (this.input.startPath === START_PATH) {
      // The start recorded this snapshot with the row and set every search attribute: no command.
      this.state.status = 'created';
      this.state.waitingFor = JOURNEY_PREPARING;
      return;
    }
    const identity: SearchAttributeUpdatePair[] = [
      { key: TenantIdKey, value: this.input.tenantId },
      { key: JourneyKindKey, value: this.kind },
      { key: TestIdKey, value: this.input.testId },
    ];
    if (!this.lean) {
      upsertSearchAttributes([
        ...identity,
        ...(this.applicationId ? [{ key: GreenhouseApplicationIdKey, value: this.applicationId }] : []),
      ]);
    } else this.upsertChanged(identity);
    await this.record('created', JOURNEY_PREPARING);
  }

  /** PATCH the completion URL so Greenhouse reads test_status now. */
  protected sendCompletionPatch(): Promise<{ sent: boolean }> {
    return urgentGreenhouse.sendCompletionPatch({ journeyId: this.journeyId });
  }

  /** Upserts only the attributes whose value differs from the workflow's (none: no command). */
  private upsertChanged(pairs: SearchAttributeUpdatePair[]): void {
    const current = workflowInfo().typedSearchAttributes;
    const changed = pairs.filter((p) => current.get(p.key) !== p.value);
    if (changed.length) upsertSearchAttributes(changed);
  }

  /** The read model's snapshot of this step (and the status search attribute). */
  async record(status: JourneyStatus, waitingFor: string | null, completedAt: string | null = null) {
    this.state.status = status;
    this.state.waitingFor = waitingFor;
    if (this.lean) {
      this.upsertChanged([
        { key: JourneyStatusKey, value: status },
        ...(this.applicationId ? [{ key: GreenhouseApplicationIdKey, value: this.applicationId }] : []),
      ]);
    } else upsertSearchAttributes([{ key: JourneyStatusKey, value: status }]);
    await (this.lean ? inWorker : local).recordJourneySnapshot({
      journeyId: this.journeyId,
      tenantId: this.input.tenantId,
      kind: this.kind,
      status,
      statusDetail: waitingFor ?? this.state.stopReason,
      // The activity unseals it into the detail (payload only: the same command either way).
      ...(!waitingFor && this.state.stopNote ? { statusNote: this.state.stopNote } : {}),
      stateVersion: ++this.version,
      testId: this.input.testId,
      deadlineAt: this.state.deadlineAt,
      completedAt,
      greenhouseApplicationId: this.applicationId,
      scorePercent: this.scorePercent(),
    });
  }

  /** Ends the journey early with this status; `afterwards` runs once it is recorded. Never returns. */
  async end(status: JourneyStatus, afterwards?: () => Promise<unknown>): Promise<never> {
    this.finished = true;
    await this.beforeEnd(status);
    await this.record(status, null);
    await condition(() => this.idle() && allHandlersFinished());
    // The expiry PATCH: a refused callback credential waits for a new one here too.
    if (afterwards) await withGreenhouseConnection(this.journeyId, afterwards);
    throw new JourneyEnded();
  }

  /**
   * The PATCH that tells Greenhouse an ended journey's status (expiry): a refused credential waits
   * for the tenant's reconnect and any other permanent failure for an operator (retry or skip), as
   * in the write-back, instead of failing the journey.
   */
  protected async patchOnEnd(patch: () => Promise<unknown>): Promise<void> {
    // Added after journeys were running: older histories replay the bare PATCH.
    if (!patched('end-patch-recovery')) {
      await patch();
      return;
    }
    await writebackWithRecovery(this.journeyId).run([{ step: 'sendCompletionPatch', run: patch }]);
  }

  /** Vendor mode: the application must exist in Greenhouse (same e-mail) before results can land. */
  async awaitApplication(policy: { intervalSeconds: number; attempts: number }): Promise<void> {
    if (this.applicationId) return;
    const match = await awaitApplication({
      policy,
      find: () =>
        withGreenhouseConnection(this.journeyId, () => {
          const ids = { journeyId: this.journeyId };
          if (this.input.startPath !== START_PATH) return greenhouse.findApplication(ids);
          return locallyFirst(
            'findApplication',
            () => greenhouseNearby.findApplication(ids),
            () => greenhouse.findApplication(ids),
            [CREDENTIAL_REFUSED_FAILURE],
          );
        }),
      waiting: (detail) => this.record('created', detail),
      stopped: () => this.stopped(),
      // Lean: the application id goes with the next snapshot's upsert.
      upsertApplicationId: !this.lean,
    });
    if (match.outcome === 'stopped') return this.end('cancelled');
    if (match.outcome === 'gave_up') {
      this.state.stopReason = match.reason;
      // Added later: operators learn of it (timeline, metric), not only from the listing's detail.
      if (patched('application-give-up-report')) {
        await local.recordApplicationGiveUp({
          journeyId: this.journeyId,
          kind: this.kind,
          attempts: policy.attempts,
          reason: match.reason,
        });
      }
      return this.end('failed');
    }
    this.applicationId = match.applicationId;
  }

  /** The result into Greenhouse, step by step. */
  async writeBack(steps: WritebackPlanStep[]): Promise<void> {
    // Added after journeys were already running: histories recorded before it replay unchanged.
    if (patched('writeback-recovery')) {
      // A step that fails for good waits for an operator (retry after a fix, or skip).
      await writebackWithRecovery(this.journeyId).run(steps);
      return;
    }
    for (const { run, legacyIf } of steps) {
      if (!legacyIf || legacyIf()) await run();
    }
  }
}
