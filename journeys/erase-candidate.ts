import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Prisma, type Database } from '../db/client.js';
import { journeysOf, type JourneyRepository } from '../db/repositories/journeys.js';
import { createJourneySealer } from '../security/journey-sealing.js';
import type { SecretBox } from '../security/secret-box.js';
import { kindModuleOf } from './kinds/index.js';

export interface EraseDeps {
  db: Database;
  temporal: Client;
  secrets: SecretBox;
  journeys?: JourneyRepository;
}

/** What an erasure removed: counts only (the audit trail records that it happened, not what). */
export interface Erasure {
  journeyId: string;
  stoppedWorkflows: number;
  referees: number;
  reports: number;
  outboxMails: number;
  links: number;
}

const ERASED = 'erased';

/**
 * Erases one journey's candidate (GDPR): stops the journey and its referee requests, blanks every
 * personal field we hold (candidate, answers, referees, browsers), deletes the report, the outbox
 * copies of its e-mails and its private links, and destroys the journey's data key — which makes
 * the personal data in Temporal's history (sealed with it) unreadable for good. Idempotent.
 * Ids, states, scores and timestamps stay: Greenhouse, the audit trail and metrics keep adding up.
 */
export async function eraseJourney(deps: EraseDeps, journeyId: string): Promise<Erasure> {
  const { db } = deps;
  const journey = await journeysOf(deps).getOrThrow(journeyId);
  const related = (await kindModuleOf(journey.kind)?.eraseRelatedWorkflows(db, journeyId)) ?? [];

  // Stop first, so nothing writes personal data back while we blank it.
  let stopped = 0;
  for (const id of [journeyId, ...related]) {
    try {
      await deps.temporal.workflow.getHandle(id).terminate('the candidate’s personal data was erased');
      stopped++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // finished already
    }
  }

  await createJourneySealer(deps).destroy(journeyId);
  // Failure details of this journey that quote the candidate's address lose it.
  const candidate = await db.journeyCandidate.findUnique({ where: { journeyId }, select: { email: true } });
  const address = candidate?.email.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (address && candidate?.email !== `${ERASED}@invalid`) {
    await db.$transaction([
      db.$executeRaw`UPDATE journey_events SET detail = regexp_replace(detail, ${address}, '[erased]', 'gi')
         WHERE journey_id = ${journeyId} AND detail ~* ${address}`,
      db.$executeRaw`UPDATE journeys SET status_detail = regexp_replace(status_detail, ${address}, '[erased]', 'gi')
         WHERE id = ${journeyId} AND status_detail ~* ${address}`,
    ]);
  }
  const [, , refereeRows, , reports, outbox, links] = await db.$transaction([
    db.journeyCandidate.updateMany({
      where: { journeyId },
      data: {
        firstName: ERASED,
        lastName: ERASED,
        preferredName: null,
        email: `${ERASED}@invalid`,
        phone: null,
      },
    }),
    db.submission.updateMany({
      where: { journeyId },
      data: { answers: {}, graderScores: Prisma.DbNull, gradedBy: null },
    }),
    db.referee.updateMany({
      where: { journeyId },
      data: {
        name: ERASED,
        email: `${ERASED}@invalid`,
        emailNormalized: `${ERASED}:${journeyId}`,
        phone: null,
        company: null,
        title: null,
        declineReason: null,
        answers: {},
        nominatedFromIp: null,
        nominatedFromFingerprint: null,
        answeredFromIp: null,
        answeredFromFingerprint: null,
        fraudSignals: [],
      },
    }),
    journeysOf(deps).markErased(journeyId),
    db.report.deleteMany({ where: { journeyId } }),
    db.outboxMail.deleteMany({ where: { idempotencyKey: { startsWith: `${journeyId}:` } } }),
    db.accessLink.deleteMany({ where: { journeyId } }),
    db.personIndexEntry.deleteMany({ where: { journeyId } }),
    // A force-complete's operator words are about the candidate: they go too.
    db.referenceCheckResult.updateMany({
      where: { journeyId, reason: { startsWith: 'completed by ' } },
      data: { reason: 'completed by an operator (the reason was erased with the candidate’s data)' },
    }),
    // A vendor order's launch link (sealed with the destroyed key: unreadable already) goes too.
    db.vendorOrder.updateMany({ where: { journeyId }, data: { launchUrlSealed: Prisma.DbNull } }),
  ]);
  return {
    journeyId,
    stoppedWorkflows: stopped,
    referees: refereeRows.count,
    reports: reports.count,
    outboxMails: outbox.count,
    links: links.count,
  };
}
