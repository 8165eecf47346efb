import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Database } from '../db/client.js';

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
 * Writes one timeline row per attempt of every journey activity (journey_events): what happened,
 * or how it failed and whether Temporal will retry it. Operators read it in the journey detail.
 * A failure to write the timeline never fails the activity.
 */
export function timelineInterceptor(db: Database): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const type = ctx.info.activityType;
        const args = input.args[0] as Args | undefined;
        const journeyId = journeyIdOfActivity(args);
        if (!journeyId || type === 'recordJourneySnapshot') return next(input);
        const write = (label: string, outcome: string, detail: string | null = null) =>
          db.journeyEvent
            .create({ data: { journeyId, step: type, label, attempt: ctx.info.attempt, outcome, detail } })
            .catch(() => undefined);
        try {
          const result = await next(input);
          const label = describeStep(type, args ?? {}, result);
          if (label) await write(label, 'ok');
          return result;
        } catch (err) {
          const final = err instanceof ApplicationFailure && err.nonRetryable;
          const message = err instanceof Error ? err.message.slice(0, 1000) : String(err);
          await write(
            `${type} failed${final ? '' : ', will retry'}`,
            final ? 'failed_final' : 'failed',
            message,
          );
          throw err;
        }
      },
    },
  });
}
