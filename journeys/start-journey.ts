import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { CatalogueEntry, CatalogueService, TestKind } from '../catalogue/service.js';
import type { Database } from '../db/client.js';
import { personIndexOf } from '../db/repositories/person-index.js';
import { journeysOf, type JourneyRepository, type NewJourney } from '../db/repositories/journeys.js';
import { ServiceError } from '../domain/errors.js';
import { terminalStatuses, type JourneyStatus } from '../domain/journey.js';
import {
  GreenhouseApplicationIdKey,
  JourneyKindKey,
  JourneyStatusKey,
  TenantIdKey,
  TestIdKey,
} from '../domain/search-attributes.js';
import { DEV_PERSON_KEY, personHash, type PersonKey } from '../security/person-index.js';
import type { AssessmentPolicy } from '../workflows/assessment/contract.js';
import { START_PATH } from '../workflows/shared/contract.js';
import { kindModule, type CommonWorkflowInput } from './kinds/index.js';

/** One journey to start: an assessment or a reference check, whichever the catalogue entry is. */
export interface JourneyStart {
  tenantId: string;
  testId: string;
  trigger: 'greenhouse' | 'vendor' | 'webhook';
  candidate: {
    firstName: string;
    lastName: string;
    preferredName: string | null;
    email: string;
    phone: string | null;
  };
  greenhouse: {
    applicationId: string | null;
    candidateId: string | null;
    jobId: string | null;
    /** send_test's `url`: where the completion PATCH goes. */
    callbackUrl: string | null;
    /** E-mail of the Greenhouse user who sent the test (the default grader). */
    sentBy: string | null;
  };
}

export interface StartDeps {
  db: Database;
  temporal: Client;
  catalogue: CatalogueService;
  taskQueue: string;
  journeys?: JourneyRepository;
  /** Vendor mode: how often and how long to look for the application (default hourly for 3 days). */
  applicationMatch?: AssessmentPolicy['applicationMatch'];
  /** PERSON_INDEX_KEY: keys vendor-invite ids and the person index (default: the development key). */
  personKey?: PersonKey;
}

type JourneyRow = NonNullable<Awaited<ReturnType<JourneyRepository['get']>>>;

type IdParts = Pick<JourneyStart, 'tenantId' | 'testId' | 'candidate' | 'greenhouse'>;

/**
 * The business id of a journey: one application takes one test (or reference check) once,
 * whichever trigger asks (send_test, a webhook, a double click). Vendor invites without an
 * application yet key on the keyed hash of the e-mail (PERSON_INDEX_KEY), never the e-mail itself
 * nor a plain hash of it (ids are visible in Temporal).
 */
export function journeyIdOf(kind: TestKind, start: IdParts, personKey: PersonKey = DEV_PERSON_KEY) {
  if (start.greenhouse.applicationId) {
    return `${kind}:${start.tenantId}:app-${start.greenhouse.applicationId}:${start.testId}`;
  }
  return `${vendorIdPrefix(kind, start.tenantId, start.candidate.email, personKey)}${start.greenhouse.jobId ?? 'none'}:${start.testId}`;
}

/**
 * Every id a vendor invite of this candidate may have: today's keyed one first, then the one journeys
 * started before the person index had (an unsalted hash): those journeys keep their ids.
 */
export function vendorJourneyIdsOf(kind: TestKind, start: IdParts, personKey: PersonKey = DEV_PERSON_KEY) {
  const tail = `${start.greenhouse.jobId ?? 'none'}:${start.testId}`;
  return vendorIdPrefixes(kind, start.tenantId, start.candidate.email, personKey).map((p) => `${p}${tail}`);
}

/** Every vendor-invite journey id of this candidate starts so (whatever the job). */
function vendorIdPrefix(kind: TestKind, tenantId: string, email: string, personKey: PersonKey) {
  return `${kind}:${tenantId}:person-${personHash(personKey, email).slice(0, 32)}:job-`;
}

/** Today's prefix and the legacy one (`email-<sha256[:24]>`), which only older journeys have. */
export function vendorIdPrefixes(kind: TestKind, tenantId: string, email: string, personKey: PersonKey) {
  const legacy = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 24);
  return [vendorIdPrefix(kind, tenantId, email, personKey), `${kind}:${tenantId}:email-${legacy}:job-`];
}

const isLive = (j: { status: string; erasedAt: Date | null }) =>
  !terminalStatuses.has(j.status as JourneyStatus) && j.erasedAt === null;

/**
 * The journey a send_test belongs to (greenhouse.md §0: a re-sent test is a new test). A live
 * journey of this application and test joins it when it has the same completion `url` (a double
 * click) or none yet (a vendor invite or a stage webhook came first, even one still looking for
 * the application by e-mail). Otherwise — the journey ended, or Greenhouse sent a new take-home
 * test with its own `url` — a new journey starts: the first one of an application and test keeps
 * the historical id, later ones add a sequence number and a hash of the `url`, so two concurrent
 * clicks of one Send Test still compute the same id and collapse.
 */
async function sendTestJourneyId(
  db: Database,
  kind: TestKind,
  start: JourneyStart,
  personKey: PersonKey,
): Promise<string> {
  const base = journeyIdOf(kind, start, personKey);
  const url = start.greenhouse.callbackUrl!;
  // Vendor invites under today's keyed id and under the legacy one both join.
  const found = await Promise.all(
    vendorIdPrefixes(kind, start.tenantId, start.candidate.email, personKey).map((prefix) =>
      journeysOf({ db }).sendTestCandidates({
        tenantId: start.tenantId,
        kind,
        testId: start.testId,
        applicationId: start.greenhouse.applicationId,
        vendorIdPrefix: prefix,
      }),
    ),
  );
  const journeys = [...new Map(found.flat().map((j) => [j.id, j])).values()];
  const live = journeys.filter(isLive);
  const joined = live.find((j) => j.callbackUrl === url) ?? live.find((j) => j.callbackUrl === null);
  if (joined) return joined.id;
  if (!journeys.some((j) => j.id === base)) return base;
  const resends = journeys.filter((j) => j.id.startsWith(`${base}:`)).length;
  const urlHash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return `${base}:${resends + 2}-${urlHash}`;
}

/**
 * A vendor invite for a candidate whose test Greenhouse already sent (send_test first): the live
 * send_test journey of this test and e-mail is theirs, so no second invite. Null when there is none.
 */
async function liveSendTestJourney(
  db: Database,
  kind: TestKind,
  start: JourneyStart,
): Promise<string | null> {
  const journeys = await journeysOf({ db }).liveSendTestIds({
    tenantId: start.tenantId,
    kind,
    testId: start.testId,
    take: 1000,
  });
  if (!journeys.length) return null;
  const match = await db.journeyCandidate.findFirst({
    where: {
      journeyId: { in: journeys.map((j) => j.id) },
      email: { equals: start.candidate.email.trim(), mode: 'insensitive' },
    },
    select: { journeyId: true },
  });
  return match?.journeyId ?? null;
}

/**
 * The id without send_test, and its journey if recorded: a vendor invite started under the legacy
 * id keeps it. One read for both ids.
 */
async function vendorOrApplicationJourney(
  deps: StartDeps,
  kind: TestKind,
  start: JourneyStart,
  personKey: PersonKey,
): Promise<{ journeyId: string; existing: JourneyRow | null }> {
  if (start.greenhouse.applicationId) {
    const journeyId = journeyIdOf(kind, start, personKey);
    return { journeyId, existing: await journeysOf(deps).get(journeyId) };
  }
  const [current, legacy] = vendorJourneyIdsOf(kind, start, personKey) as [string, string];
  const found = await journeysOf(deps).findMany({ where: { id: { in: [current, legacy] } } });
  const old = found.find((j) => j.id === legacy);
  if (old) return { journeyId: legacy, existing: old };
  return { journeyId: current, existing: found.find((j) => j.id === current) ?? null };
}

/**
 * Records the journey and starts its workflow, idempotently: a repeat returns the same journey and
 * changes nothing (no second invite). The read-model row and the candidate's personal data are
 * written before the workflow starts, so its first activity finds them.
 */
export async function startJourney(deps: StartDeps, start: JourneyStart) {
  const test = await deps.catalogue.getEntry(start.tenantId, start.testId);
  if (!test.active)
    throw new ServiceError('invalid', `test ${start.testId} is not active`, 'partner_test_id');
  if (start.trigger === 'vendor') {
    const joined = await liveSendTestJourney(deps.db, test.kind, start);
    if (joined) return { journeyId: joined, runId: null, created: false };
  }
  const personKey = deps.personKey ?? DEV_PERSON_KEY;
  const { journeyId, existing } =
    start.trigger === 'greenhouse' && start.greenhouse.applicationId && start.greenhouse.callbackUrl
      ? await sendTestJourneyId(deps.db, test.kind, start, personKey).then(async (id) => ({
          journeyId: id,
          existing: await journeysOf(deps).get(id),
        }))
      : await vendorOrApplicationJourney(deps, test.kind, start, personKey);
  let recordedNow = false;
  if (!existing) {
    await journeysOf(deps)
      .create(newJourney(journeyId, start, test), start.candidate)
      .then(() => (recordedNow = true))
      .catch(async (err: unknown) => {
        // A concurrent duplicate created it first: that journey is ours too.
        if (!(await journeysOf(deps).get(journeyId))) throw err;
      });
  }
  if (existing && start.greenhouse.callbackUrl && !existing.callbackUrl) {
    // Started by a webhook or an operator, then Greenhouse sent the test too: now there is a
    // completion URL to PATCH, and a Greenhouse user to grade.
    await journeysOf(deps).attachSendTest(
      journeyId,
      start.greenhouse.callbackUrl,
      existing.sentBy ?? start.greenhouse.sentBy,
    );
  }
  // Erasure by address finds the journey through this (security/person-index.ts).
  await personIndexOf(deps.db).add(personEntry(journeyId, start, personKey));
  const runId = await startWorkflow(deps, start, journeyId, test, existing, recordedNow);
  return { journeyId, runId, created: !existing };
}

/** The read-model row of a new journey (the candidate's personal data goes beside it). */
function newJourney(journeyId: string, start: JourneyStart, test: CatalogueEntry): NewJourney {
  return {
    id: journeyId,
    tenantId: start.tenantId,
    kind: test.kind,
    testId: start.testId,
    testVersion: test.version,
    trigger: start.trigger,
    greenhouseApplicationId: start.greenhouse.applicationId,
    greenhouseCandidateId: start.greenhouse.candidateId,
    jobId: start.greenhouse.jobId,
    callbackUrl: start.greenhouse.callbackUrl,
    sentBy: start.greenhouse.sentBy,
  };
}

const personEntry = (journeyId: string, start: JourneyStart, personKey: PersonKey) => ({
  personHash: personHash(personKey, start.candidate.email),
  journeyId,
  tenantId: start.tenantId,
});

/**
 * Starts the journey's workflow: running, it is joined; finished, never started again. A journey
 * whose row this start recorded (`recordedNow`) begins on today's start path (its first snapshot is
 * that row); one recorded earlier begins where its row's history says.
 */
async function startWorkflow(
  deps: StartDeps,
  start: JourneyStart,
  journeyId: string,
  test: CatalogueEntry,
  existing: JourneyRow | null,
  recordedNow: boolean,
): Promise<string | null> {
  const pinned = existing?.testVersion ?? test.version;
  const entry =
    pinned === test.version ? test : await deps.catalogue.getEntry(start.tenantId, start.testId, pinned);
  const kind = kindModule(entry.kind);
  // The pinned version's timing rules, which the journey keeps for life.
  const common: CommonWorkflowInput = {
    journeyId,
    tenantId: start.tenantId,
    testId: start.testId,
    testVersion: pinned,
    trigger: start.trigger,
    applicationId: existing?.greenhouseApplicationId ?? start.greenhouse.applicationId,
    applicationMatch: deps.applicationMatch ?? { intervalSeconds: 3600, attempts: 72 },
    ...(recordedNow ? { startPath: START_PATH } : {}),
  };
  const input = kind.workflow.input(entry.definition, common);
  return deps.temporal.workflow
    .start(kind.workflow.type, {
      workflowId: journeyId,
      taskQueue: deps.taskQueue,
      args: [input],
      // Running: join it. Finished: never start it again (that would send a second invite).
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: TenantIdKey, value: start.tenantId },
        { key: JourneyKindKey, value: entry.kind },
        { key: JourneyStatusKey, value: 'created' },
        { key: TestIdKey, value: start.testId },
        ...(common.applicationId ? [{ key: GreenhouseApplicationIdKey, value: common.applicationId }] : []),
      ],
    })
    .then((handle) => handle.firstExecutionRunId)
    .catch((err: unknown) => {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
      throw err;
    });
}

/** One vendor invite of a batch, its test already checked (journeys/invite-candidate.ts). */
export interface VendorStart {
  start: JourneyStart & { trigger: 'vendor' };
  test: CatalogueEntry;
}

/**
 * Vendor invites of one bulk batch, each exactly as startJourney would record and start it, with
 * the batch's database work done at once: one read of the test's live send_test journeys (and of
 * their candidates with these addresses), one read of every row's possible ids, one transaction
 * that records the new journeys and their candidates (INSERT … ON CONFLICT DO NOTHING: a journey a
 * concurrent start recorded first is not recorded twice, and is not counted as created here), one
 * write of the person index; then the workflows, at most `concurrency` starts in flight. Rows of
 * the same journey (the same candidate twice) record and start it once; the first counts as created.
 * Answers each row's journey in the rows' order.
 */
export async function startVendorJourneys(
  deps: StartDeps,
  rows: VendorStart[],
  concurrency: number,
): Promise<{ journeyId: string; created: boolean }[]> {
  if (!rows.length) return [];
  const personKey = deps.personKey ?? DEV_PERSON_KEY;
  const joined = await liveSendTestJourneys(deps.db, rows);
  const ids = rows.map((r, k) =>
    joined[k] ? null : (vendorJourneyIdsOf(r.test.kind, r.start, personKey) as [string, string]),
  );
  const found = new Map(
    (await journeysOf(deps).findMany({ where: { id: { in: ids.flatMap((i) => i ?? []) } } })).map((j) => [
      j.id,
      j,
    ]),
  );
  // A vendor invite started under the legacy id keeps it.
  const chosen = ids.map((i) => {
    if (!i) return null;
    const [current, legacy] = i;
    const old = found.get(legacy);
    if (old) return { journeyId: legacy, existing: old };
    return { journeyId: current, existing: found.get(current) ?? null };
  });
  const toRecord = new Map<string, { journey: NewJourney; candidate: JourneyStart['candidate'] }>();
  chosen.forEach((c, k) => {
    if (c && !c.existing && !toRecord.has(c.journeyId)) {
      const { start, test } = rows[k]!;
      toRecord.set(c.journeyId, {
        journey: newJourney(c.journeyId, start, test),
        candidate: start.candidate,
      });
    }
  });
  const recorded = new Set(await journeysOf(deps).createMany([...toRecord.values()]));
  await personIndexOf(deps.db).addMany(
    chosen.flatMap((c, k) => (c ? [personEntry(c.journeyId, rows[k]!.start, personKey)] : [])),
  );

  const outcomes = new Array<{ journeyId: string; created: boolean }>(rows.length);
  const first = new Set<string>();
  const starts: (() => Promise<unknown>)[] = [];
  rows.forEach((row, k) => {
    const joinedId = joined[k];
    if (joinedId) {
      outcomes[k] = { journeyId: joinedId, created: false };
      return;
    }
    const { journeyId, existing } = chosen[k]!;
    const once = !first.has(journeyId);
    first.add(journeyId);
    outcomes[k] = { journeyId, created: once && recorded.has(journeyId) };
    if (once) {
      starts.push(() =>
        startWorkflow(deps, row.start, journeyId, row.test, existing, recorded.has(journeyId)),
      );
    }
  });
  await inLanes(starts, concurrency);
  return outcomes;
}

/**
 * liveSendTestJourney for a batch: per test, its live send_test journeys read once, then one read
 * of their candidates with the batch's addresses. Null where a row has none.
 */
async function liveSendTestJourneys(db: Database, rows: VendorStart[]): Promise<(string | null)[]> {
  const byTest = new Map<string, number[]>();
  rows.forEach((r, k) => {
    const key = `${r.test.kind}\u0000${r.start.testId}`;
    byTest.set(key, [...(byTest.get(key) ?? []), k]);
  });
  const joined = new Array<string | null>(rows.length).fill(null);
  for (const members of byTest.values()) {
    const { start, test } = rows[members[0]!]!;
    const journeys = await journeysOf({ db }).liveSendTestIds({
      tenantId: start.tenantId,
      kind: test.kind,
      testId: start.testId,
      take: 1000,
    });
    if (!journeys.length) continue;
    const emails = [...new Set(members.map((k) => rows[k]!.start.candidate.email.trim()))];
    const matches = await db.journeyCandidate.findMany({
      where: {
        journeyId: { in: journeys.map((j) => j.id) },
        OR: emails.map((email) => ({ email: { equals: email, mode: 'insensitive' as const } })),
      },
      select: { journeyId: true, email: true },
    });
    for (const k of members) {
      const email = rows[k]!.start.candidate.email.trim().toLowerCase();
      joined[k] = matches.find((m) => m.email.toLowerCase() === email)?.journeyId ?? null;
    }
  }
  return joined;
}

/** Runs the tasks, at most `width` at once. */
async function inLanes(tasks: (() => Promise<unknown>)[], width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}
