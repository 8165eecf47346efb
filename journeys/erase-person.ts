import { journeysOf } from '../db/repositories/journeys.js';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Prisma, type Database } from '../db/client.js';
import { personIndexOf } from '../db/repositories/person-index.js';
import type { CsvReport } from '../domain/invites/csv.js';
import { DEV_PERSON_KEY, normalizeEmail, personHash, type PersonKey } from '../security/person-index.js';
import { stopRefereeSignal } from '../workflows/reference-check/contract.js';
import { eraseJourney, type EraseDeps } from './erase-candidate.js';
import { vendorIdPrefixes } from './start-journey.js';

export interface ErasePersonDeps extends EraseDeps {
  /** PERSON_INDEX_KEY (default: the development key, as everywhere). */
  personKey?: PersonKey;
}

/** What erasing a person changed: counts only (the audit trail records these, never the address). */
export interface PersonErasure {
  /** Journeys the person was the candidate of, erased now (`eraseJourney`). */
  journeys: number;
  /** Of those found, already erased before (only their leftovers were cleaned). */
  alreadyErased: number;
  /** Referee records of other candidates' checks that named the person. */
  referees: number;
  /** Rows of uploaded invite files that named the person. */
  bulkRows: number;
  /** Texts that quoted the address (timeline details, failure details, refused rows, audit details). */
  texts: number;
  outboxMails: number;
  indexEntries: number;
}

const ERASED = 'erased';
const ERASED_ADDRESS = `${ERASED}@invalid`;
const ERASED_TEXT = '[erased]';

/**
 * Erases a person by e-mail address (GDPR), within one tenant or across all: every journey they
 * are the candidate of (found through the person index — the keyed hash of the address — their
 * vendor-invite ids and the candidate records) is erased as one journey is (`eraseJourney`: records
 * blanked, data key destroyed); every referee record naming them in someone else's check is
 * blanked and its request stopped; their rows of uploaded invite files, outbox copies of mail to
 * them, and every text that quotes their address (timelines, failure details, refused rows, audit
 * details) lose it. Idempotent: a second run finds nothing left and says so.
 */
export async function erasePerson(
  deps: ErasePersonDeps,
  who: { email: string; tenantId?: string | null },
): Promise<PersonErasure> {
  const { db } = deps;
  const email = normalizeEmail(who.email);
  const tenantId = who.tenantId ?? undefined;
  const hash = personHash(deps.personKey ?? DEV_PERSON_KEY, email);

  const journeys = await candidateJourneys(deps, email, hash, tenantId);
  let erased = 0;
  for (const journey of journeys) {
    // Already erased: its key is gone and its records blank; the steps below still clean leftovers.
    if (journey.erasedAt) continue;
    await eraseJourney(deps, journey.id);
    erased++;
  }
  const referees = await eraseReferee(deps, email, tenantId);
  const bulkRows = await eraseBulkRows(db, email, tenantId);
  const texts = await scrubAddress(db, email, tenantId);
  const outboxMails = await db.$executeRaw`
    DELETE FROM outbox_mails
     WHERE mail::text ILIKE ${likePattern(email)}
       ${tenantId ? Prisma.sql`AND idempotency_key LIKE ${`%:${likeEscape(tenantId)}:%`}` : Prisma.empty}`;
  const index = personIndexOf(db);
  const indexEntries =
    (await index.removeJourneys(journeys.map((j) => j.id))) +
    (await db.personIndexEntry.deleteMany({ where: { personHash: hash, ...(tenantId ? { tenantId } : {}) } }))
      .count;
  return {
    journeys: erased,
    alreadyErased: journeys.length - erased,
    referees,
    bulkRows,
    texts,
    outboxMails,
    indexEntries,
  };
}

/** The journeys whose candidate the person is: by the index, by their vendor-invite ids, by record. */
async function candidateJourneys(deps: ErasePersonDeps, email: string, hash: string, tenantId?: string) {
  const { db } = deps;
  const indexed = await personIndexOf(db).journeyIds(hash, tenantId);
  // Journeys started before the index existed: their candidate record (or, blanked, their id).
  const byRecord = await db.journeyCandidate.findMany({
    where: { email: { equals: email, mode: 'insensitive' } },
    select: { journeyId: true },
  });
  const idParts = vendorIdPrefixes('assessment', '', email, deps.personKey ?? DEV_PERSON_KEY).map(
    (prefix) => prefix.replace(/^assessment::/, ':'), // `:<person-or-email part>:job-`, any kind and tenant
  );
  return journeysOf(deps).ofPerson({
    ...(tenantId ? { tenantId } : {}),
    ids: [...indexed, ...byRecord.map((r) => r.journeyId)],
    vendorIdParts: idParts,
  });
}

/** Referee records naming the person: their requests stop, their personal fields go. */
async function eraseReferee(deps: ErasePersonDeps, email: string, tenantId?: string): Promise<number> {
  const { db } = deps;
  const referees = await db.referee.findMany({
    where: { emailNormalized: email, ...(tenantId ? { tenantId } : {}) },
    select: { id: true },
  });
  for (const { id } of referees) {
    // The request ends as a stopped one (the check goes on with the other referees).
    await deps.temporal.workflow
      .getHandle(id)
      .signal(stopRefereeSignal, { reason: 'the referee’s personal data was erased' })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // finished already
      });
    await db.$transaction([
      db.referee.update({
        where: { id },
        data: {
          name: ERASED,
          email: ERASED_ADDRESS,
          emailNormalized: `${ERASED}:${id}`,
          phone: null,
          company: null,
          title: null,
          declineReason: null,
          nominatedFromIp: null,
          nominatedFromFingerprint: null,
          answeredFromIp: null,
          answeredFromFingerprint: null,
        },
      }),
      db.accessLink.deleteMany({ where: { refereeId: id } }),
      db.outboxMail.deleteMany({ where: { idempotencyKey: { startsWith: `${id}:` } } }),
    ]);
  }
  return referees.length;
}

/** Rows of uploaded invite files that name the person keep their line and job, not the person. */
async function eraseBulkRows(db: Database, email: string, tenantId?: string): Promise<number> {
  const uploads = await db.$queryRaw<{ id: string; rows: CsvReport['rows'] }[]>`
    SELECT id, rows FROM bulk_invites
     WHERE rows::text ILIKE ${likePattern(email)} ${tenantId ? Prisma.sql`AND tenant_id = ${tenantId}` : Prisma.empty}`;
  let count = 0;
  for (const upload of uploads) {
    const rows = upload.rows.map((row) => {
      if (normalizeEmail(row.email) !== email) return row;
      count++;
      return { ...row, email: ERASED_ADDRESS, firstName: ERASED, lastName: ERASED };
    });
    await db.bulkInvite.update({
      where: { id: upload.id },
      data: { rows: rows as unknown as Prisma.InputJsonValue },
    });
  }
  return count;
}

/**
 * Every free text we keep that may quote an address — journeys' status details and timeline
 * details (failures), refused rows of uploads, Greenhouse's error reports, webhook outcomes, audit
 * details — with the address replaced. The address has no character JSON escapes, so JSON columns
 * are rewritten as text safely.
 */
async function scrubAddress(db: Database, email: string, tenantId?: string): Promise<number> {
  const like = likePattern(email);
  const re = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const inTenant = (column: string) =>
    tenantId ? Prisma.sql`AND ${Prisma.raw(column)} = ${tenantId}` : Prisma.empty;
  const counts = await db.$transaction([
    db.$executeRaw`UPDATE journeys SET status_detail = regexp_replace(status_detail, ${re}, ${ERASED_TEXT}, 'gi')
       WHERE status_detail ILIKE ${like} ${inTenant('tenant_id')}`,
    db.$executeRaw`UPDATE journey_events e SET detail = regexp_replace(detail, ${re}, ${ERASED_TEXT}, 'gi')
       WHERE detail ILIKE ${like}
         ${tenantId ? Prisma.sql`AND EXISTS (SELECT 1 FROM journeys j WHERE j.id = e.journey_id AND j.tenant_id = ${tenantId})` : Prisma.empty}`,
    db.$executeRaw`UPDATE bulk_invites SET errors = regexp_replace(errors::text, ${re}, ${ERASED_TEXT}, 'gi')::jsonb
       WHERE errors::text ILIKE ${like} ${inTenant('tenant_id')}`,
    db.$executeRaw`UPDATE partner_response_errors SET errors = regexp_replace(errors::text, ${re}, ${ERASED_TEXT}, 'gi')::jsonb
       WHERE errors::text ILIKE ${like} ${inTenant('tenant_id')}`,
    db.$executeRaw`UPDATE webhook_events SET outcome = regexp_replace(outcome, ${re}, ${ERASED_TEXT}, 'gi')
       WHERE outcome ILIKE ${like} ${inTenant('tenant_id')}`,
    db.$executeRaw`UPDATE audit_entries SET detail = regexp_replace(detail::text, ${re}, ${ERASED_TEXT}, 'gi')::jsonb
       WHERE detail::text ILIKE ${like} ${inTenant('tenant_id')}`,
  ]);
  return counts.reduce((a, b) => a + b, 0);
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&');
const likePattern = (s: string) => `%${likeEscape(s)}%`;
