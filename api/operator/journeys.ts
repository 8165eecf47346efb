import { Router, type Response } from 'express';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { z } from 'zod';
import type { Database, Prisma } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { journeyTimeline } from '../../db/repositories/journey-events.js';
import { replaceCandidateEmail } from '../../db/repositories/journey-candidates.js';
import { pendingSteps, stuckView } from '../../journeys/stuck-view.js';
import {
  JourneyKind,
  journeyListFields,
  JourneyStatus,
  journeyStatuses,
  terminalStatuses,
} from '../../domain/journey.js';
import { extendDeadlineUpdate, resendInviteUpdate } from '../../workflows/assessment/contract.js';
import { forceCompleteUpdate } from '../../workflows/reference-check/contract.js';
import {
  cancelJourneyUpdate,
  journeyStateQuery,
  retryStepUpdate,
  skipStepUpdate,
  writebackSteps,
} from '../../workflows/shared/protocol.js';
import { eraseJourney } from '../../journeys/erase-candidate.js';
import { kindModuleOf, kindsWith, type KindOperatorAction } from '../../journeys/kinds/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import { cursorOr400, handle, HttpError, parseInput } from '../http-errors.js';
import { cursorInstant, pageCursor } from '../../db/page-cursor.js';
import { audited } from './audit.js';
import { assertRole, listedTenant, loadJourneyInScope, operatorOf, type OperatorRole } from './identity.js';
import { err, invalidInput, JourneyParams, loose, operatorAuth } from '../openapi/common.js';
import type { RouteSpec } from '../openapi/registry.js';
import { route } from '../openapi/route.js';
import * as R from '../openapi/responses.js';
import { createJourneySealer, ErasedDataError } from '../../security/journey-sealing.js';

// Rule: admin and support keys may list, read and act on journeys of the tenants they can see.

const optionalText = z.string().trim().min(1).max(200).optional();
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

export const JourneyListQuery = z.strictObject({
  tenantId: optionalText,
  kind: JourneyKind.optional(),
  /** One status or several, comma-separated. */
  status: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(JourneyStatus).min(1))
    .optional(),
  testId: optionalText,
  jobId: optionalText,
  applicationId: optionalText,
  createdFrom: z.iso.datetime({ offset: true }).optional(),
  createdTo: z.iso.datetime({ offset: true }).optional(),
  /** Running journeys whose state has not changed for more than this many hours. */
  stuckHours: whole(1, 24 * 365).optional(),
  limit: whole(1, 200).default(50),
  cursor: z.string().max(500).optional(),
});

const Reason = z.string().trim().min(1, 'must not be empty').max(500);
export const EmptyBody = z.strictObject({});
export const ForceCompleteBody = z.strictObject({
  reason: Reason,
  /** Who decided (shown in the report's timeline and the journey's status). */
  by: z.string().trim().min(1).max(200).optional(),
});
export const CancelBody = z.strictObject({ reason: Reason });
export const ExtendBody = z.strictObject({ deadlineAt: z.iso.datetime({ offset: true }) });
export const RetryBody = z.strictObject({ step: z.enum(writebackSteps).optional() });
export const SkipBody = z.strictObject({ step: z.enum(writebackSteps), reason: Reason });
/** Resend, optionally to a corrected address (after the old one was refused for good). */
export const ResendBody = z.strictObject({ email: z.email('must be an e-mail address').max(254).optional() });

/** Listings carry ids and states only: personal data stays with the candidate record. */
const listed = journeyListFields satisfies Prisma.JourneySelect;

/** Newest first: the last row's creation time and id. */
const cursor = pageCursor(z.object({ c: cursorInstant, i: z.string() }));

const runningStatuses = journeyStatuses.filter((s) => !terminalStatuses.has(s));

const getJourneysJourneyIdRoute: RouteSpec = {
  method: 'get',
  path: '/journeys/:journeyId',
  tag: 'operator: journeys',
  summary: 'Read a journey',
  description: 'From the read model (no Temporal round trip); reference checks list their referees.',
  security: 'operator',
  params: JourneyParams,
  responses: {
    200: { description: 'The journey.', schema: R.JourneyWithReferees },
    ...operatorAuth,
    404: err('No such journey.'),
  },
};
const getJourneysRoute: RouteSpec = {
  method: 'get',
  path: '/journeys',
  tag: 'operator: journeys',
  summary: 'List journeys',
  description: 'Newest first, filtered; page with `nextCursor`.',
  security: 'operator',
  query: JourneyListQuery,
  responses: {
    200: {
      description: 'A page of journeys.',
      schema: z.object({ journeys: z.array(R.JourneyListItem), nextCursor: z.string().nullable() }),
    },
    400: invalidInput,
    ...operatorAuth,
    404: err('A `tenantId` filter naming a tenant the key may not see, or that does not exist.'),
  },
};

const journeyAction = (
  name: string,
  summary: string,
  body: z.ZodType,
  result: z.ZodType,
  description?: string,
): RouteSpec => ({
  method: 'post',
  path: `/journeys/:journeyId/${name}`,
  tag: 'operator: journeys',
  summary,
  ...(description ? { description } : {}),
  security: 'operator',
  params: JourneyParams,
  body: { schema: body, required: false },
  responses: {
    200: { description: 'Done.', schema: result },
    400: invalidInput,
    ...operatorAuth,
    404: err('No such journey (or not in the key’s tenant).'),
    409: err('The journey cannot do this now (finished, or nothing waits).'),
  },
});
/** The declarations of the journey actions, by the path segment action() registers. */
const journeyActionRoutes: Record<string, RouteSpec> = {
  resend: journeyAction(
    'resend',
    'Send the invite again',
    ResendBody,
    z.object({ journeyId: z.string(), invitesSent: z.number().int(), emailCorrected: z.boolean() }),
    'With `email`, to that corrected address: resumes a journey whose invitation was refused for good.',
  ),
  extend: journeyAction(
    'extend',
    'Move the deadline',
    ExtendBody,
    z.object({
      journeyId: z.string(),
      previousDeadlineAt: z.string().nullable(),
      deadlineAt: z.string(),
    }),
  ),
  cancel: journeyAction(
    'cancel',
    'Cancel the journey',
    CancelBody,
    z.object({ journeyId: z.string(), stopReason: z.string().nullable() }),
  ),
  retry: journeyAction(
    'retry',
    'Retry a failed write-back step',
    RetryBody,
    z.object({ journeyId: z.string(), retried: z.string().nullable(), skipped: z.array(z.string()) }),
  ),
  skip: journeyAction(
    'skip',
    'Skip a failed write-back step',
    SkipBody,
    z.object({ journeyId: z.string(), skipped: z.string(), allSkipped: z.array(z.string()) }),
  ),
  erase: journeyAction(
    'erase',
    'Erase the candidate’s personal data',
    EmptyBody,
    loose('`journeyId` and what was erased.'),
  ),
  'force-complete': {
    method: 'post',
    path: '/journeys/:journeyId/force-complete',
    tag: 'operator: journeys',
    summary: 'Complete a reference check now',
    description: 'With the answers that have arrived (partial below the quorum).',
    security: 'operator',
    params: JourneyParams,
    body: { schema: ForceCompleteBody },
    responses: {
      200: { description: 'Completing.', schema: R.ForceCompleteResponse },
      400: invalidInput,
      ...operatorAuth,
      404: err('No such journey.'),
      409: err('Not a reference check, or already finished (`conflict`).'),
    },
  },
};

/**
 * Journeys for operators: a filtered, cursor-paged list from the read model; one journey with its
 * timeline and, from the workflow itself, what it waits for in plain words; and the actions
 * (resend, extend, cancel, retry or skip a failed write-back step, force-complete, erase), each
 * answering what changed and each written to the audit trail.
 */
export function journeyRoutes(deps: {
  db: Database;
  journeys?: JourneyRepository;
  temporal: Client;
  secrets: SecretBox;
}): Router {
  const { db, temporal } = deps;
  const router = Router();
  /** Operators' reasons travel sealed with the journey's key (workflows pass them on unread). */
  const sealer = createJourneySealer(deps);

  const load = (res: Response, journeyId: string) => loadJourneyInScope(db, operatorOf(res), journeyId);

  route(
    router,
    getJourneysRoute,
    handle(async (req, res) => {
      const q = parseInput(JourneyListQuery, req.query, 'query');
      const operator = operatorOf(res);
      const tenantId = listedTenant(operator, q.tenantId) ?? undefined;
      const after = q.cursor ? cursorOr400(cursor, q.cursor) : null;
      const where: Prisma.JourneyWhereInput = {
        ...(tenantId ? { tenantId } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.testId ? { testId: q.testId } : {}),
        ...(q.jobId ? { jobId: q.jobId } : {}),
        ...(q.applicationId ? { greenhouseApplicationId: q.applicationId } : {}),
        AND: [
          q.status ? { status: { in: q.status } } : {},
          q.stuckHours
            ? {
                status: { in: runningStatuses },
                // No state change for that long, or an activity retrying for that long.
                OR: [
                  { updatedAt: { lt: new Date(Date.now() - q.stuckHours * 3_600_000) } },
                  { retryingSince: { lt: new Date(Date.now() - q.stuckHours * 3_600_000) } },
                ],
              }
            : {},
          q.createdFrom ? { createdAt: { gte: new Date(q.createdFrom) } } : {},
          q.createdTo ? { createdAt: { lt: new Date(q.createdTo) } } : {},
          after ? { OR: [{ createdAt: { lt: after.c } }, { createdAt: after.c, id: { lt: after.i } }] } : {},
        ],
      };
      const rows = await journeysOf(deps).listPage(where, listed, q.limit + 1);
      const page = rows.slice(0, q.limit);
      res.json({
        journeys: page,
        nextCursor:
          rows.length > q.limit
            ? cursor.encode({ c: page[page.length - 1]!.createdAt, i: page[page.length - 1]!.id })
            : null,
      });
    }),
  );

  route(
    router,
    getJourneysJourneyIdRoute,
    handle(async (req, res) => {
      const journey = await load(res, String(req.params.journeyId));
      const [timeline, live, kindDetail, pending] = await Promise.all([
        journeyTimeline(db, journey.id),
        liveState(temporal.workflow.getHandle(journey.id)),
        kindModuleOf(journey.kind)?.operatorDetail(db, journey.id) ?? {},
        // Also for a complete journey: its write-back may still be retrying.
        pendingSteps(temporal.workflow.getHandle(journey.id)),
      ]);
      const { profileUrl: _link, callbackUrl: _callback, sentBy: _sentBy, ...safe } = journey;
      const waitingFor =
        journey.writebackFailedStep !== null
          ? `an operator to retry or skip the write-back step ${journey.writebackFailedStep}`
          : (live?.waitingFor ??
            (terminalStatuses.has(journey.status as JourneyStatus) ? null : journey.statusDetail));
      res.json({
        ...safe,
        waitingFor,
        live: live !== null,
        timeline,
        stuck: stuckView(waitingFor, pending),
        ...kindDetail,
      });
    }),
  );

  /** Runs one workflow update as an audited operator action; refusals become 409 with the reason. */
  function action<B extends z.ZodType>(
    path: string,
    name: string,
    body: B,
    run: (
      journey: Awaited<ReturnType<typeof load>>,
      input: z.output<B>,
      operatorName: string,
    ) => Promise<Record<string, unknown>>,
    role: OperatorRole = 'support',
  ) {
    route(
      router,
      journeyActionRoutes[path]!,
      handle(async (req, res) => {
        const journey = await load(res, String(req.params.journeyId));
        const input = parseInput(body, req.body ?? {});
        const result = await audited(
          db,
          res,
          { action: `journey.${name}`, tenantId: journey.tenantId, journeyId: journey.id },
          async () => {
            assertRole(operatorOf(res), role); // inside the audit, so a refusal is recorded too
            try {
              return await run(journey, input, operatorOf(res).name);
            } catch (err) {
              if (err instanceof WorkflowUpdateFailedError)
                throw new HttpError(409, 'conflict', String(err.cause?.message ?? err.message));
              if (err instanceof ErasedDataError)
                throw new HttpError(409, 'conflict', `journey ${journey.id} was erased: nothing to ${name}`);
              if (err instanceof WorkflowNotFoundError)
                throw new HttpError(
                  409,
                  'conflict',
                  `journey ${journey.id} has finished: nothing to ${name}`,
                );
              throw err;
            }
          },
        );
        res.json({ journeyId: journey.id, ...result });
      }),
    );
  }
  /** Refuses an action whose update this journey's kind does not define (its kind module says). */
  const only = (journey: { id: string; kind: string }, action: KindOperatorAction, what: string) => {
    if (!kindModuleOf(journey.kind)?.operatorActions[action])
      throw new HttpError(
        409,
        'conflict',
        `journey ${journey.id} is ${journey.kind}: only ${kindsWith(action).join(' or ')} journeys can ${what}`,
      );
  };
  const workflow = (id: string) => temporal.workflow.getHandle(id);

  action('resend', 'resend', ResendBody, async (journey, { email }) => {
    only(journey, 'resend', 'have their invite resent');
    if (email !== undefined && journey.erasedAt)
      throw new HttpError(409, 'conflict', `journey ${journey.id} was erased: its address cannot be changed`);
    const previous = email === undefined ? null : await replaceCandidateEmail(db, journey.id, email);
    if (email !== undefined && previous === null)
      throw new HttpError(409, 'conflict', `journey ${journey.id} has no candidate record to correct`);
    try {
      const state = await workflow(journey.id).executeUpdate(resendInviteUpdate, { args: [] });
      // The audit records that the address changed, never the address.
      return { invitesSent: state.invitesSent, emailCorrected: email !== undefined };
    } catch (err) {
      // Refused (finished, cancelled): the correction is undone, so a refusal changes nothing.
      if (previous !== null) await replaceCandidateEmail(db, journey.id, previous);
      throw err;
    }
  });
  action('extend', 'extend', ExtendBody, async (journey, { deadlineAt }) => {
    only(journey, 'extend', 'have their deadline extended');
    const state = await workflow(journey.id).executeUpdate(extendDeadlineUpdate, { args: [{ deadlineAt }] });
    return { previousDeadlineAt: journey.deadlineAt?.toISOString() ?? null, deadlineAt: state.deadlineAt };
  });
  action('cancel', 'cancel', CancelBody, async (journey, { reason }) => {
    // Both journey kinds name their cancel update `cancel`.
    // Sealed with the journey's key: erasure makes the reason unreadable in the history too.
    const sealed = await sealer.seal(journey.id, reason);
    const state = await workflow(journey.id).executeUpdate(cancelJourneyUpdate, {
      args: [{ reason: sealed }],
    });
    const note = state.stopNote ? await sealer.unseal<string>(journey.id, state.stopNote) : null;
    return { stopReason: note === null ? state.stopReason : `${state.stopReason ?? 'cancelled'}: ${note}` };
  });
  action('retry', 'retry', RetryBody, async (journey, { step }) => {
    const recovery = await workflow(journey.id).executeUpdate(retryStepUpdate, {
      args: [step ? { step } : {}],
    });
    return { retried: step ?? journey.writebackFailedStep, skipped: recovery.skipped };
  });
  action('skip', 'skip', SkipBody, async (journey, input) => {
    const reason = await sealer.seal(journey.id, input.reason);
    const recovery = await workflow(journey.id).executeUpdate(skipStepUpdate, {
      args: [{ step: input.step, reason }],
    });
    return { skipped: input.step, allSkipped: recovery.skipped };
  });
  action(
    'force-complete',
    'force_complete',
    ForceCompleteBody,
    async (journey, { reason, by }, operatorName) => {
      only(journey, 'forceComplete', 'be force-completed');
      if (terminalStatuses.has(journey.status as JourneyStatus))
        throw new HttpError(
          409,
          'conflict',
          `journey ${journey.id} is ${journey.status}: nothing left to complete`,
        );
      const state = await workflow(journey.id).executeUpdate(forceCompleteUpdate, {
        args: [{ reason: await sealer.seal(journey.id, reason), by: by ?? operatorName }],
      });
      return { completing: true, answered: state.answered, quorum: state.quorum };
    },
  );
  // GDPR: blank the candidate's personal data here and make it unreadable in Temporal's history.
  // Admin only: erasure cannot be undone.
  action(
    'erase',
    'erase',
    EmptyBody,
    async (journey) => ({ erased: await eraseJourney(deps, journey.id) }),
    'admin',
  );

  return router;
}

/** The workflow's own account of what it waits for; null when it has finished or cannot answer now. */
async function liveState(handle: WorkflowHandle): Promise<{ waitingFor: string | null } | null> {
  try {
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000).unref());
    const state = await Promise.race([handle.query(journeyStateQuery), timeout]);
    return state;
  } catch {
    return null;
  }
}
