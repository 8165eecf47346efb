import type pg from 'pg';
import { Prisma, sqlPoolOf, type Database } from '../client.js';
import { columnsOf, distinctRounds, perTurnOnPool, type Query } from '../turn-batch.js';
import {
  waitingForCallbackDetail,
  waitingForGreenhouseDetail,
  type GreenhouseWaitOn,
} from '../../domain/greenhouse-connection.js';
import { candidateJourneyKinds } from '../../journeys/kinds/index.js';
import { JOURNEY_PREPARING } from '../../workflows/shared/contract.js';
import {
  JourneySnapshot,
  journeyStatuses,
  terminalStatuses,
  type JourneyKind,
} from '../../domain/journey.js';

/**
 * The only module that reads or writes the `journeys` table (the read model of each journey).
 *
 * Who owns which column (the rule every write below follows):
 * - The workflow owns the state: `status`, `state_version`, `test_id`, `deadline_at`,
 *   `completed_at`; `greenhouse_application_id` and `score` it fills only when its snapshot has them.
 *   A snapshot applies only when its `state_version` is greater than the row's, and never to an erased
 *   row: a retried or delayed activity carrying an older state is refused.
 * - `status_detail` is the workflow's too; marks (write-back waiting, Greenhouse waiting, late
 *   answers) may replace that note, never the state: the workflow's next snapshot replaces it again.
 * - Every other writer sets only its own columns and never `status` or `state_version`:
 *   the start (creates the row at version 0, later attaches send_test's `callback_url`/`sent_by`
 *   when none is set), the application match and Greenhouse merges (`greenhouse_candidate_id`),
 *   the results (`profile_url`, `score`), the marks (`writeback_failed_step`,
 *   `greenhouse_wait_since`).
 * - Erasure is the one exception and is final: after the workflow is terminated it stamps
 *   `erased_at`, blanks `sent_by` and cancels a journey that had not ended (in one statement, so a
 *   journey that ended meanwhile keeps its end); snapshots arriving later are refused.
 */
export type JourneyRepository = ReturnType<typeof createJourneyRepository>;

const shared = new WeakMap<Database, JourneyRepository>();

/** The repository injected with the other dependencies, or (one per database) the database's. */
export function journeysOf(deps: { db: Database; journeys?: JourneyRepository }): JourneyRepository {
  if (deps.journeys) return deps.journeys;
  let repository = shared.get(deps.db);
  if (!repository) shared.set(deps.db, (repository = createJourneyRepository(deps.db)));
  return repository;
}

/** Journey kinds Greenhouse events act on (probes are ours alone). */
const greenhouseKinds = candidateJourneyKinds;
const terminal = [...terminalStatuses];
const running = journeyStatuses.filter((s) => !terminalStatuses.has(s));

/** Extra conditions a caller narrows a tenant's journeys with (events: application, candidate). */
export type JourneyFilter = Prisma.JourneyWhereInput;

export interface NewJourney {
  id: string;
  tenantId: string;
  kind: JourneyKind;
  testId: string;
  testVersion: number;
  trigger: 'greenhouse' | 'vendor' | 'webhook';
  greenhouseApplicationId: string | null;
  greenhouseCandidateId: string | null;
  jobId: string | null;
  callbackUrl: string | null;
  sentBy: string | null;
}

export interface NewCandidate {
  firstName: string;
  lastName: string;
  preferredName: string | null;
  email: string;
  phone: string | null;
}

/** A journey as test_status reads it (statusInTenant). */
export interface TestStatusRow {
  kind: JourneyKind;
  status: string;
  statusDetail: string | null;
  score: number | null;
  profileUrl: string | null;
}

/**
 * statusInTenant's statement: the rows of the ids asked for in one turn of the event loop. Not a
 * named (server-side prepared) statement: the embedded PGlite of `npm start` serves every
 * connection from ONE session (db/embedded-socket.ts), where a second connection preparing the
 * same name fails. Columns as prisma/schema.prisma maps them (test/db/journey-repository.test.ts
 * compares this read with Prisma's; test/db/embedded.test.ts runs it on PGlite).
 */
const TEST_STATUS_QUERY =
  'SELECT id, tenant_id AS "tenantId", kind, status, status_detail AS "statusDetail", score, ' +
  'profile_url AS "profileUrl" FROM journeys WHERE id = ANY($1::text[])';

type TestStatusRead = {
  id: string;
  tenantId: string;
  resolve: (row: TestStatusRow | null) => void;
  reject: (err: unknown) => void;
};

/**
 * Gathers the test_status reads that arrive in one turn of the event loop (Greenhouse polls many
 * interviews at once) and asks PostgreSQL for all of them in one statement at its end
 * (setImmediate: after the pending network events, so no read waits for a timer). Under load that
 * is one round trip for several requests instead of one each (about 6 per statement at 10
 * connections; the API's CPU per answer fell from 0.38–0.44 ms to 0.29–0.30 ms in the same
 * in-process measurement, under load). A lone request is sent in the same turn.
 */
function testStatusReader(pool: pg.Pool) {
  let pending: TestStatusRead[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    const ids = [...new Set(batch.map((r) => r.id))];
    pool.query<TestStatusRow & { id: string; tenantId: string }>(TEST_STATUS_QUERY, [ids]).then(
      ({ rows }) => {
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const read of batch) {
          const row = byId.get(read.id);
          // Another tenant's journey reads as none, exactly like a missing one.
          if (!row || row.tenantId !== read.tenantId) read.resolve(null);
          else
            read.resolve({
              kind: row.kind,
              status: row.status,
              statusDetail: row.statusDetail,
              score: row.score,
              profileUrl: row.profileUrl,
            });
        }
      },
      (err: unknown) => {
        for (const read of batch) read.reject(err);
      },
    );
  };
  return (id: string, tenantId: string) =>
    new Promise<TestStatusRow | null>((resolve, reject) => {
      if (pending.push({ id, tenantId, resolve, reject }) === 1) setImmediate(flush);
    });
}

/** A journey with its tenant and candidate: what the invite and the application search act on. */
export interface JourneyReach {
  journey: Prisma.JourneyGetPayload<{ include: { tenant: true } }>;
  candidate: Prisma.JourneyCandidateGetPayload<object> | null;
}

// The columns reach reads, by Prisma field (each column is the field in snake case, as
// prisma/schema.prisma maps them; test/db/journey-repository.test.ts compares with Prisma's reads).
const journeyFields = [
  'id', 'tenantId', 'kind', 'status', 'statusDetail', 'stateVersion', 'testId',
  'greenhouseApplicationId', 'greenhouseCandidateId', 'score', 'profileUrl', 'deadlineAt', 'trigger',
  'testVersion', 'jobId', 'callbackUrl', 'sentBy', 'createdAt', 'updatedAt', 'completedAt',
  'writebackFailedStep', 'erasedAt', 'greenhouseWaitSince', 'retryingSince', 'greenhouseWaitOn',
  'failedAt', 'failureReason', 'statusBeforeFailure',
] as const; // prettier-ignore
const tenantFields = [
  'id', 'slug', 'name', 'status', 'branding', 'reportVisibility', 'defaultGraderEmail', 'callbackHosts',
  'partnerKeyOverlapDays', 'reportLinkLifetimeDays', 'retentionDays', 'createdAt', 'updatedAt',
] as const; // prettier-ignore
const candidateFields = ['journeyId', 'firstName', 'lastName', 'preferredName', 'email', 'phone'] as const;

const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const columns = (alias: string, fields: readonly string[]) =>
  fields.map((f) => `${alias}.${column(f)} AS "${alias}.${f}"`).join(', ');
const pick = (row: Record<string, unknown>, alias: string, fields: readonly string[]) =>
  Object.fromEntries(fields.map((f) => [f, row[`${alias}.${f}`]]));

/**
 * reach's statement: journeys, tenant and candidate of the ids asked for in one turn, one join
 * instead of two Prisma reads each (unnamed, like TEST_STATUS_QUERY, for PGlite's one session).
 */
const REACH_QUERY =
  `SELECT ${columns('j', journeyFields)}, ${columns('t', tenantFields)}, ${columns('c', candidateFields)} ` +
  'FROM journeys j JOIN tenants t ON t.id = j.tenant_id LEFT JOIN journey_candidates c ON c.journey_id = j.id ' +
  'WHERE j.id = ANY($1::text[])';

async function readReach(query: Query, ids: string[]): Promise<(JourneyReach | null)[]> {
  const rows = await query<Record<string, unknown>>(REACH_QUERY, [[...new Set(ids)]]);
  const byId = new Map(
    rows.map((row) => {
      const journey = { ...pick(row, 'j', journeyFields), tenant: pick(row, 't', tenantFields) };
      const candidate = row['c.journeyId'] === null ? null : pick(row, 'c', candidateFields);
      return [row['j.id'] as string, { journey, candidate } as JourneyReach];
    }),
  );
  return ids.map((id) => byId.get(id) ?? null);
}

/** recordSnapshot's statement for the snapshots of one round: one array per column. */
const SNAPSHOT_UPSERT = `
  INSERT INTO journeys AS j (id, tenant_id, kind, status, status_detail, state_version, test_id,
                             deadline_at, completed_at, greenhouse_application_id, score, updated_at)
  SELECT v.id, v.tenant_id, v.kind::"JourneyKind", v.status, v.status_detail, v.state_version, v.test_id,
         v.deadline_at, v.completed_at, v.greenhouse_application_id, v.score, now()
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                $8::timestamptz[], $9::timestamptz[], $10::text[], $11::float8[])
         AS v(id, tenant_id, kind, status, status_detail, state_version, test_id, deadline_at,
              completed_at, greenhouse_application_id, score)
   -- Rows locked in one order by every worker: two batches never wait on each other in a cycle.
   ORDER BY v.id
  ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status,
    status_detail = EXCLUDED.status_detail,
    state_version = EXCLUDED.state_version,
    test_id = EXCLUDED.test_id,
    deadline_at = EXCLUDED.deadline_at,
    completed_at = EXCLUDED.completed_at,
    greenhouse_application_id = COALESCE(EXCLUDED.greenhouse_application_id, j.greenhouse_application_id),
    score = COALESCE(EXCLUDED.score, j.score),
    -- The journey moved on: no activity of its last step is retrying any more.
    retrying_since = NULL,
    updated_at = now()
  WHERE j.state_version < EXCLUDED.state_version AND j.erased_at IS NULL
  RETURNING j.id`;

type ParsedSnapshot = ReturnType<typeof JourneySnapshot.parse>;

/**
 * The snapshots of one turn, one statement per round (a journey's second snapshot of the turn goes
 * in the next one: ON CONFLICT DO UPDATE touches a row once per statement). Applied: the row was
 * inserted or updated, what `changed > 0` said for one.
 */
async function upsertSnapshots(query: Query, snapshots: ParsedSnapshot[]): Promise<{ applied: boolean }[]> {
  const applied: boolean[] = snapshots.map(() => false);
  for (const round of distinctRounds(snapshots, (s) => s.journeyId)) {
    const rows = await query<{ id: string }>(
      SNAPSHOT_UPSERT,
      columnsOf(
        round.map(({ item }) => item),
        [
          'journeyId',
          'tenantId',
          'kind',
          'status',
          'statusDetail',
          'stateVersion',
          'testId',
          (s) => (s.deadlineAt ? new Date(s.deadlineAt).toISOString() : null),
          (s) => (s.completedAt ? new Date(s.completedAt).toISOString() : null),
          'greenhouseApplicationId',
          'scorePercent',
        ],
      ),
    );
    const done = new Set(rows.map((r) => r.id));
    for (const { item, index } of round) applied[index] = done.has(item.journeyId);
  }
  return applied.map((a) => ({ applied: a }));
}

/** recordApplication of one turn: one UPDATE per round (a journey twice goes in the next one). */
const APPLICATION_UPDATE = `
  UPDATE journeys j SET greenhouse_application_id = v.application_id,
                        greenhouse_candidate_id = v.candidate_id, updated_at = now()
    FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, application_id, candidate_id)
   WHERE j.id = v.id
  RETURNING j.id`;

type ApplicationMatch = { journeyId: string; applicationId: string; candidateId: string };

async function updateApplications(query: Query, matches: ApplicationMatch[]): Promise<boolean[]> {
  const found = matches.map(() => false);
  for (const round of distinctRounds(matches, (m) => m.journeyId)) {
    const rows = await query<{ id: string }>(APPLICATION_UPDATE, [
      round.map(({ item }) => item.journeyId),
      round.map(({ item }) => item.applicationId),
      round.map(({ item }) => item.candidateId),
    ]);
    const done = new Set(rows.map((r) => r.id));
    for (const { item, index } of round) found[index] = done.has(item.journeyId);
  }
  return found;
}

export function createJourneyRepository(db: Database) {
  let reader: { pool: pg.Pool; read: ReturnType<typeof testStatusReader> } | undefined;
  // Reads and writes of one event-loop turn, one statement each (db/turn-batch.ts; issue 17).
  const reachOne = perTurnOnPool(db, readReach);
  const snapshotOne = perTurnOnPool(db, upsertSnapshots);
  const applicationOne = perTurnOnPool(db, updateApplications);
  return {
    // --- Reads ---------------------------------------------------------------------------------

    /** One journey's row, or null. */
    get: (id: string) => db.journey.findUnique({ where: { id } }),
    getOrThrow: (id: string) => db.journey.findUniqueOrThrow({ where: { id } }),
    /** With its tenant: what activities and pages need to act for it. */
    getWithTenant: (id: string) => db.journey.findUnique({ where: { id }, include: { tenant: true } }),
    getWithTenantOrThrow: (id: string) =>
      db.journey.findUniqueOrThrow({ where: { id }, include: { tenant: true } }),

    /**
     * The journey with its tenant and its candidate (null if it has none), as getWithTenant and
     * the candidate's findUnique read them, in one join shared by the reads of one turn (the invite
     * and the application search of many journeys at once). Throws when the journey is not there.
     */
    async reach(id: string): Promise<JourneyReach> {
      const found = await reachOne(id);
      if (!found) throw new Error(`journey ${id} is not in the read model`);
      return found;
    },

    /**
     * What Greenhouse's test_status shows, only within the asking tenant: the hottest read of the
     * API (Greenhouse polls every open interview). One SQL statement on the database's own pool
     * (sqlPoolOf) for the reads of one event-loop turn (testStatusReader): none of Prisma's query
     * building or result mapping runs (in-process, under load, the API's CPU per answer fell from
     * 1.3–1.9 ms to 0.38–0.44 ms when this replaced Prisma's findUnique). Through Prisma when the
     * pool is not ours or closed. Never cached: an updated result shows on the next call. Another
     * tenant's journey reads as none, exactly like a missing one.
     */
    statusInTenant: async (id: string, tenantId: string): Promise<TestStatusRow | null> => {
      const pool = sqlPoolOf(db);
      if (pool) {
        if (!reader || reader.pool !== pool) reader = { pool, read: testStatusReader(pool) };
        return reader.read(id, tenantId);
      }
      const row = await db.journey.findUnique({
        where: { id },
        select: {
          tenantId: true,
          kind: true,
          status: true,
          statusDetail: true,
          score: true,
          profileUrl: true,
        },
      });
      if (!row || row.tenantId !== tenantId) return null;
      const { tenantId: _owner, ...status } = row;
      return status;
    },

    /** One page of the operator listing, newest first (one extra row tells whether more follow). */
    listPage: <S extends Prisma.JourneySelect>(where: JourneyFilter, select: S, take: number) =>
      db.journey.findMany({
        where,
        select,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take,
      }) as Promise<Prisma.JourneyGetPayload<{ select: S }>[]>,

    /** Which of these journeys are not erased yet, with their tenant (retention erases those). */
    notErasedAmong: (ids: string[]) =>
      db.journey.findMany({
        where: { id: { in: ids }, erasedAt: null },
        select: { id: true, tenantId: true },
      }),

    /** A journey's stored report link and its tenant's report link lifetime. */
    reportLinkSettings: (id: string) =>
      db.journey.findUniqueOrThrow({
        where: { id },
        select: { profileUrl: true, tenant: { select: { reportLinkLifetimeDays: true } } },
      }),

    /** A person's journeys: these ids, or vendor-invite ids holding one of these person parts. */
    ofPerson: (q: { tenantId?: string; ids: string[]; vendorIdParts: string[] }) =>
      db.journey.findMany({
        where: {
          ...(q.tenantId ? { tenantId: q.tenantId } : {}),
          OR: [
            { id: { in: q.ids } },
            ...q.vendorIdParts.map((part) => ({ id: { contains: part }, trigger: 'vendor' as const })),
          ],
        },
        select: { id: true, erasedAt: true },
        orderBy: { createdAt: 'asc' },
      }),

    /** These journeys, the chosen columns (read models that join journeys with their own tables). */
    selectMany: <S extends Prisma.JourneySelect>(ids: string[], select: S) =>
      db.journey.findMany({ where: { id: { in: ids } }, select }) as Promise<
        Prisma.JourneyGetPayload<{ select: S }>[]
      >,
    /** One journey if it is of this kind, the chosen columns. */
    selectOfKind: <S extends Prisma.JourneySelect>(id: string, kind: JourneyKind, select: S) =>
      db.journey.findFirst({ where: { id, kind }, select }) as Promise<Prisma.JourneyGetPayload<{
        select: S;
      }> | null>,

    /** Reads by query, for read models that filter on their own columns (failed journeys). */
    findMany: <A extends Prisma.JourneyFindManyArgs>(
      args: Prisma.SelectSubset<A, Prisma.JourneyFindManyArgs>,
    ) => db.journey.findMany(args),
    findUniqueOrThrow: <A extends Prisma.JourneyFindUniqueOrThrowArgs>(
      args: Prisma.SelectSubset<A, Prisma.JourneyFindUniqueOrThrowArgs>,
    ) => db.journey.findUniqueOrThrow(args),

    /** When each journey was created (a retried bulk invite tells its own starts from older ones). */
    createdAtOf: (ids: string[]) =>
      db.journey.findMany({ where: { id: { in: ids } }, select: { id: true, createdAt: true } }),

    /** The journeys of an application and test a send_test may join or follow. */
    sendTestCandidates: (q: {
      tenantId: string;
      kind: JourneyKind;
      testId: string;
      applicationId: string | null;
      vendorIdPrefix: string;
    }) =>
      db.journey.findMany({
        where: {
          tenantId: q.tenantId,
          kind: q.kind,
          testId: q.testId,
          OR: [
            { greenhouseApplicationId: q.applicationId },
            {
              greenhouseApplicationId: null,
              trigger: 'vendor',
              id: { startsWith: q.vendorIdPrefix, endsWith: `:${q.testId}` },
            },
          ],
        },
        select: { id: true, status: true, erasedAt: true, callbackUrl: true },
        orderBy: { createdAt: 'desc' },
      }),

    /** Live send_test journeys of a test, newest first (a vendor invite looks for its candidate there). */
    liveSendTestIds: (q: { tenantId: string; kind: JourneyKind; testId: string; take: number }) =>
      db.journey.findMany({
        where: {
          tenantId: q.tenantId,
          kind: q.kind,
          testId: q.testId,
          trigger: 'greenhouse',
          status: { notIn: terminal },
          erasedAt: null,
        },
        select: { id: true },
        orderBy: { createdAt: 'desc' },
        take: q.take,
      }),

    /** A vendor journey that already covers a stage webhook's application (not one that gave up). */
    vendorJourneyCovering: (q: {
      tenantId: string;
      kind: JourneyKind;
      vendorIds: string[];
      testId: string;
      applicationId: string;
    }) =>
      db.journey.findFirst({
        where: {
          tenantId: q.tenantId,
          kind: q.kind,
          trigger: 'vendor',
          status: { not: 'failed' },
          OR: [{ id: { in: q.vendorIds } }, { testId: q.testId, greenhouseApplicationId: q.applicationId }],
        },
        select: { id: true },
      }),

    /** A Greenhouse candidate's journeys not erased yet, with their applications. */
    unerasedOfCandidate: (tenantId: string, candidateId: string) =>
      db.journey.findMany({
        where: {
          tenantId,
          kind: { in: greenhouseKinds },
          erasedAt: null,
          greenhouseCandidateId: candidateId,
        },
        select: { id: true, greenhouseApplicationId: true },
        orderBy: { id: 'asc' },
      }),

    /** Running Greenhouse journeys of the tenant matching `filter` (to stop them). */
    runningIds: (tenantId: string, filter: JourneyFilter) =>
      db.journey.findMany({
        where: {
          AND: [{ tenantId, kind: { in: greenhouseKinds }, status: { in: running } }, filter],
        },
        select: { id: true, kind: true },
        orderBy: { id: 'asc' },
      }),

    /** Greenhouse journeys of the tenant matching `filter` not erased yet (to erase them). */
    unerasedIds: (tenantId: string, filter: JourneyFilter) =>
      db.journey.findMany({
        where: { AND: [{ tenantId, kind: { in: greenhouseKinds }, erasedAt: null }, filter] },
        select: { id: true },
        orderBy: { id: 'asc' },
      }),

    /** One page (by id) of the tenant's journeys waiting for its Greenhouse connection. */
    waitingForGreenhouseIds: (tenantId: string, after: string, take: number, on?: GreenhouseWaitOn) =>
      db.journey.findMany({
        where: {
          tenantId,
          greenhouseWaitSince: { not: null },
          id: { gt: after },
          ...(on ? { greenhouseWaitOn: on } : {}),
        },
        select: { id: true },
        orderBy: { id: 'asc' },
        take,
      }),

    /** The tenant's journeys whose write-back waits for an operator. */
    waitingForWritebackIds: (tenantId: string) =>
      db.journey.findMany({
        where: { tenantId, writebackFailedStep: { not: null } },
        orderBy: { id: 'asc' },
        select: { id: true },
      }),

    /** Completed Greenhouse journeys since a time, a page at a time by id (reconciliation). */
    completedToReconcile: (q: { tenantId: string; since: Date; cursor: string | null; limit: number }) =>
      db.journey.findMany({
        where: {
          tenantId: q.tenantId,
          kind: { in: greenhouseKinds },
          status: 'complete',
          completedAt: { gte: q.since },
          greenhouseApplicationId: { not: null },
          writebackFailedStep: null,
          ...(q.cursor ? { id: { gt: q.cursor } } : {}),
        },
        orderBy: { id: 'asc' },
        take: q.limit,
        select: { id: true },
      }),

    /** Journeys by kind and status (metrics). */
    countByKindAndStatus: async () =>
      (await db.journey.groupBy({ by: ['kind', 'status'], _count: { _all: true } })).map((r) => ({
        kind: r.kind,
        status: r.status,
        count: r._count._all,
      })),

    /** Journeys waiting for their tenant's Greenhouse connection, by tenant (metrics). */
    countWaitingForGreenhouseByTenant: async () =>
      (
        await db.journey.groupBy({
          by: ['tenantId'],
          where: { greenhouseWaitSince: { not: null } },
          _count: { _all: true },
        })
      ).map((r) => ({ tenantId: r.tenantId, count: r._count._all })),

    // --- The workflow's writes -----------------------------------------------------------------

    /**
     * The workflow's state; applied only when newer than the row's and the row is not erased. The
     * snapshots of one turn go in one statement (upsertSnapshots).
     */
    recordSnapshot: async (input: JourneySnapshot): Promise<{ applied: boolean }> =>
      snapshotOne(JourneySnapshot.parse(input)),

    /** A write-back step failed for good (or, with null, no longer waits): a note for operators. */
    markWritebackWaiting: (journeyId: string, step: string | null, message: string | null) =>
      db.journey.update({
        where: { id: journeyId },
        data: {
          writebackFailedStep: step,
          // What operators read in listings; cleared when the step is retried or skipped.
          statusDetail: step
            ? `write-back failed at ${step}: ${message ?? 'unknown error'} (retry or skip it)`
            : null,
        },
        select: { id: true },
      }),

    /**
     * The journey waits for its tenant's Greenhouse connection (or, with null, no longer does).
     * The first refusal's time is kept, so listings say since when. Returns the journey's tenant.
     */
    async markGreenhouseWaiting(journeyId: string, reason: string | null, on: GreenhouseWaitOn = 'harvest') {
      const detail = on === 'callback' ? waitingForCallbackDetail : waitingForGreenhouseDetail;
      const rows = reason
        ? await db.$queryRaw<{ tenant_id: string }[]>`
            UPDATE journeys SET status_detail = ${detail(reason)}, greenhouse_wait_on = ${on},
                   greenhouse_wait_since = COALESCE(greenhouse_wait_since, now()), updated_at = now()
             WHERE id = ${journeyId} RETURNING tenant_id`
        : await db.$queryRaw<{ tenant_id: string }[]>`
            UPDATE journeys SET status_detail = NULL, greenhouse_wait_since = NULL, greenhouse_wait_on = NULL,
                   updated_at = now()
             WHERE id = ${journeyId} RETURNING tenant_id`;
      if (!rows[0]) throw new Error(`journey ${journeyId} is not in the read model`);
      return { tenantId: rows[0].tenant_id };
    },

    // --- Other writers: their own columns only -------------------------------------------------

    /** Records a new journey and its candidate together (fails if the id exists). */
    create: (journey: NewJourney, candidate: NewCandidate) =>
      db.$transaction([
        db.journey.create({ data: { ...journey, status: 'created', statusDetail: JOURNEY_PREPARING } }),
        db.journeyCandidate.create({ data: { journeyId: journey.id, ...candidate } }),
      ]),

    /**
     * New journeys of a batch (bulk invites) with their candidates, in one transaction. A journey
     * already recorded (a concurrent start) is left as it is, its candidate too (INSERT … ON
     * CONFLICT DO NOTHING waits for a concurrent insert of the same id to commit or roll back).
     * Answers the ids this call recorded.
     */
    createMany: async (journeys: { journey: NewJourney; candidate: NewCandidate }[]): Promise<string[]> => {
      if (!journeys.length) return [];
      return db.$transaction(async (tx) => {
        const created = await tx.journey.createManyAndReturn({
          data: journeys.map(({ journey }) => ({
            ...journey,
            status: 'created',
            statusDetail: JOURNEY_PREPARING,
          })),
          skipDuplicates: true,
          select: { id: true },
        });
        const ids = new Set(created.map((j) => j.id));
        if (!ids.size) return [];
        await tx.journeyCandidate.createMany({
          data: journeys
            .filter(({ journey }) => ids.has(journey.id))
            .map(({ journey, candidate }) => ({ journeyId: journey.id, ...candidate })),
        });
        return [...ids];
      });
    },

    /** An activity of the journey fails and retries (set once, kept) or succeeded (cleared). */
    markRetrying: (id: string, failing: boolean) =>
      db.journey.updateMany({
        where: { id, retryingSince: failing ? null : { not: null } },
        data: { retryingSince: failing ? new Date() : null },
      }),

    /** An operator retries a failed journey: it reopens with its status before the failure (0 or 1 rows). */
    reopenFailed: (id: string, status: string, statusDetail: string) =>
      db.journey.updateMany({
        where: { id, failedAt: { not: null } },
        data: { status, statusDetail, failedAt: null, failureReason: null, statusBeforeFailure: null },
      }),
    /** The retry could not start: the journey is as failed as before. */
    restoreFailure: (
      id: string,
      was: {
        status: string;
        statusDetail: string | null;
        failedAt: Date | null;
        failureReason: string | null;
        statusBeforeFailure: string | null;
      },
    ) => db.journey.update({ where: { id }, data: was, select: { id: true } }),

    /** A fresh report link replaces the stored one, only where a result is recorded (0 or 1 rows). */
    replaceReportLink: (id: string, stored: string) =>
      db.journey.updateMany({
        where: { id, profileUrl: { not: null } },
        data: { profileUrl: stored },
      }),

    /** Greenhouse sent the test after another trigger started the journey: the completion URL and grader. */
    attachSendTest: (journeyId: string, callbackUrl: string, sentBy: string | null) =>
      db.journey.updateMany({
        where: { id: journeyId, callbackUrl: null },
        data: { callbackUrl, sentBy },
      }),

    /**
     * The Greenhouse application a vendor invite was matched to (the matches of one turn in one
     * statement). A journey not in the read model throws, as Prisma's update did.
     */
    async recordApplication(journeyId: string, applicationId: string, candidateId: string) {
      if (!(await applicationOne({ journeyId, applicationId, candidateId })))
        throw new Error(`journey ${journeyId} is not in the read model`);
      return { id: journeyId };
    },

    /** Greenhouse merged a candidate: its journeys (optionally of one application) move to the survivor. */
    moveCandidate: async (q: { tenantId: string; from: string; to: string; applicationId?: string }) =>
      (
        await db.journey.updateMany({
          where: {
            tenantId: q.tenantId,
            greenhouseCandidateId: q.from,
            ...(q.applicationId === undefined ? {} : { greenhouseApplicationId: q.applicationId }),
          },
          data: { greenhouseCandidateId: q.to },
        })
      ).count,

    /** The result's report link and score (for a batch transaction with the result itself). */
    recordResult: (journeyId: string, result: { profileUrl: string; score: number | null }) =>
      db.journey.update({
        where: { id: journeyId },
        data: { profileUrl: result.profileUrl, score: result.score },
        select: { id: true },
      }),

    /** Answers arrived after the journey completed: a note, the state stays. */
    noteLateAnswers: (journeyId: string, count: number) =>
      db.journey.update({
        where: { id: journeyId },
        data: {
          statusDetail: `${count} late answer${count === 1 ? '' : 's'} received after completion: kept, not in the report`,
        },
        select: { id: true },
      }),

    /**
     * The candidate's data was erased (for a batch transaction with the rest of the erasure): a
     * journey that had not ended is cancelled, in the same statement, so one that ended keeps its end.
     */
    markErased: (journeyId: string) => db.$executeRaw`
      UPDATE journeys
         SET erased_at = now(),
             sent_by = NULL,
             status = CASE WHEN status IN (${Prisma.join(terminal)})
                           THEN status ELSE 'cancelled' END,
             status_detail = CASE
                           -- An operator's cancel words are about the candidate: they go too.
                           WHEN status = 'cancelled' AND erased_at IS NULL AND status_detail LIKE 'cancelled: %'
                           THEN 'cancelled (the operator’s reason was erased with the candidate’s data)'
                           WHEN status IN (${Prisma.join(terminal)})
                           THEN status_detail ELSE 'cancelled: the candidate’s personal data was erased' END,
             updated_at = now()
       WHERE id = ${journeyId}`,
  };
}
