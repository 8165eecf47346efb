import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Database } from '../db/client.js';
import { appendJourneyEvent, type NewJourneyEvent } from '../db/repositories/journey-events.js';
import { journeysOf } from '../db/repositories/journeys.js';
import { MAIL_REFUSED } from '../domain/mail-refusal.js';
import { scrubMessage } from '../observability/redact.js';

type Args = Record<string, unknown>;

/** The journey an activity works for: its `journeyId`, or the journey a referee belongs to. */
export function journeyIdOfActivity(args: Args | undefined): string | null {
  if (!args) return null;
  if (typeof args.journeyId === 'string') return args.journeyId;
  if (typeof args.refereeId === 'string') return args.refereeId.replace(/:referee-\d+$/, '');
  return null;
}

const refereeNo = (args: Args) =>
  typeof args.refereeId === 'string'
    ? `referee ${/:referee-(\d+)$/.exec(args.refereeId)?.[1] ?? '?'}`
    : 'referee';
const nth = (args: Args) => (typeof args.n === 'number' && args.n > 1 ? ` ${args.n}` : '');

/** What an activity did, in the words an operator reads on the timeline. Null: not worth a line. */
export function describeStep(type: string, args: Args, result: unknown): string | null {
  const r = (result ?? {}) as Record<string, unknown>;
  const again = r.sent === false || r.added === false || r.attached === false ? ' (already done)' : '';
  switch (type) {
    case 'findApplication':
      return r.found
        ? `application found in Greenhouse${r.reason ? ` (${String(r.reason)})` : ''}`
        : `looked for the application in Greenhouse: ${String(r.reason ?? 'not found')}`;
    case 'sendCandidateEmail':
      return `${args.purpose === 'invite' ? `invite${nth(args)}` : args.purpose === 'reminder' ? `reminder${nth(args)}` : 'expiry notice'} e-mailed to the candidate${again}`;
    case 'storeSubmission':
      return 'answers submitted';
    case 'takeTimedOutSubmission':
      return 'time limit ran out: the answers saved so far were submitted (timed out)';
    case 'requestGrading':
      return `${args.n === 1 ? 'grading requested' : `grader reminder${nth(args)}`} by e-mail${again}`;
    case 'storeGrades':
      return 'answers graded';
    case 'finalizeResult':
      return `result computed: ${String(r.scorePercent ?? '?')}% (${r.passed ? 'passed' : 'not passed'})`;
    case 'renderReport':
      return 'PDF report rendered';
    case 'sendCompletionPatch':
      return r.sent ? 'Greenhouse told the result is ready (completion PATCH)' : 'no completion PATCH needed';
    case 'writeCustomFields':
      return `custom fields written in Greenhouse (${String(r.written ?? 0)})`;
    case 'addResultNote':
      return `result note added in Greenhouse${again}`;
    case 'attachReport':
      return `report attached in Greenhouse${again}`;
    case 'moveStageOnResult':
      return r.moved ? 'application moved to the mapped stage' : 'no stage move';
    case 'sendNominationEmail':
      return `${String(args.purpose).replace(/_/g, ' ')}${nth(args)} e-mailed to the candidate${again}`;
    case 'storeNominations':
      return r.ok
        ? `referees named (${(r.referees as unknown[] | undefined)?.length ?? 0})`
        : 'nomination refused';
    case 'sendRefereeEmail':
      return r.bounced
        ? `${refereeNo(args)}: the address bounced`
        : `${refereeNo(args)}: ${args.purpose === 'request' ? 'request' : `reminder${nth(args)}`} e-mailed${again}`;
    case 'recordRefereeStatus':
      return args.status === 'requested' ? null : `${refereeNo(args)}: ${String(args.status)}`;
    case 'storeRefereeAnswers':
      return `${refereeNo(args)} answered${r.late ? ' (late: kept, not counted)' : ''}`;
    case 'compileReferenceCheck':
      return 'reference-check report compiled';
    case 'recordGreenhouseWaiting':
      if (args.on === 'callback')
        return args.reason
          ? `waits for a new completion-callback credential: ${String(args.reason)}`
          : 'completion-callback credential replaced: resumed';
      return args.reason
        ? `waits for the tenant to reconnect Greenhouse: ${String(args.reason)}`
        : 'Greenhouse connection back: resumed';
    case 'recordWritebackWaiting':
      return args.step ? `write-back waits for an operator at ${String(args.step)}` : 'write-back resumed';
    default:
      return null; // read-model snapshots and other bookkeeping
  }
}

/**
 * Writes the timeline of every journey activity (journey_events): what happened, or how it failed
 * and whether Temporal will retry it. Identical failures in a row are one row with a count and the
 * latest time, so a step retrying for hours reads as one line. It also keeps the read model's
 * `retryingSince` (set at the first failed attempt, cleared when a retried activity succeeds or the
 * journey records its next step), which the
 * stuck listing reads. Operators read the timeline in the journey detail. A failure to write
 * either never fails the activity.
 */
export function timelineInterceptor(db: Database): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const type = ctx.info.activityType;
        const args = input.args[0] as Args | undefined;
        const journeyId = journeyIdOfActivity(args);
        if (!journeyId || type === 'recordJourneySnapshot') return next(input);
        const attempt = ctx.info.attempt;
        try {
          const result = await next(input);
          const label = describeStep(type, args ?? {}, result);
          await Promise.all([
            label
              ? recordEvent(db, { journeyId, step: type, label, attempt, outcome: 'ok', detail: null })
              : null,
            // A first attempt follows a success (or a snapshot, which clears it too): nothing to clear.
            attempt > 1 ? retrying(db, journeyId, false) : null,
          ]).catch(() => undefined);
          return result;
        } catch (err) {
          const final = err instanceof ApplicationFailure && err.nonRetryable === true;
          // SMTP and Greenhouse answers echo addresses: the timeline keeps none.
          const message = scrubMessage(err instanceof Error ? err.message : String(err));
          await Promise.all([
            recordEvent(db, {
              journeyId,
              step: type,
              label: failureLabel(type, args ?? {}, err, final),
              attempt,
              outcome: final ? 'failed_final' : 'failed',
              detail: message,
            }),
            // A final failure is not retried: the workflow decides what waits (and records it).
            final ? null : retrying(db, journeyId, true),
          ]).catch(() => undefined);
          throw err;
        }
      },
    },
  });
}

/** A failed step in an operator's words; a mail refused for good says so. */
function failureLabel(type: string, args: Args, err: unknown, final: boolean): string {
  if (err instanceof ApplicationFailure && err.type === MAIL_REFUSED) {
    // 'invite e-mail', 'nomination request e-mail': the purpose says which mail.
    const what = typeof args.purpose === 'string' ? `${args.purpose.replace(/_/g, ' ')} e-mail` : 'e-mail';
    return `${what} could not be delivered: an operator must correct the address`;
  }
  return `${type} failed${final ? '' : ', will retry'}`;
}

/** Appends the event, or counts it on the journey's latest row when that row is the same failure. */
async function recordEvent(db: Database, event: NewJourneyEvent): Promise<void> {
  if (event.outcome !== 'ok') {
    const last = await db.journeyEvent.findFirst({
      where: { journeyId: event.journeyId },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
    });
    if (
      last &&
      last.step === event.step &&
      last.label === event.label &&
      last.outcome === event.outcome &&
      last.detail === event.detail
    ) {
      await db.journeyEvent.update({
        where: { id: last.id },
        data: { count: { increment: 1 }, attempt: event.attempt, lastAt: new Date() },
      });
      return;
    }
  }
  await appendJourneyEvent(db, event);
}

/** Sets `retryingSince` at the first failure (kept while failures go on) or clears it. */
async function retrying(db: Database, journeyId: string, failing: boolean): Promise<void> {
  await journeysOf({ db }).markRetrying(journeyId, failing);
}
