import type { Database } from '../db/client.js';
import { ServiceError } from '../domain/errors.js';
import { InviteBody } from '../domain/invites/invite-body.js';
import { startJourney, startVendorJourneys, type StartDeps, type VendorStart } from './start-journey.js';

// The rules live in domain/ so the (pure) CSV validator applies exactly the same ones.
export { InviteBody };

/** The tenant-wide reads an invite makes before its journey: the mode and the job's test. */
export interface InviteLookups {
  assertVendorInviteActive(tenantId: string): Promise<void>;
  mappedTest(tenantId: string, jobId: string): Promise<string | null>;
}

/** Each invite reads them afresh (single invites). */
export const directLookups = (db: Database): InviteLookups => ({
  assertVendorInviteActive: (tenantId) => assertVendorInviteActive(db, tenantId),
  mappedTest: (tenantId, jobId) => mappedTest(db, tenantId, jobId),
});

/**
 * A batch of invites (a bulk upload's 50 rows) reads each once: the same answer (or the same
 * refusal) for every row, as if read per row a few milliseconds apart.
 */
export function batchLookups(db: Database): InviteLookups {
  const direct = directLookups(db);
  return {
    assertVendorInviteActive: memoize((tenantId: string) => direct.assertVendorInviteActive(tenantId)),
    mappedTest: memoize((tenantId: string, jobId: string) => direct.mappedTest(tenantId, jobId)),
  };
}

/** Caches `fn`'s promise per arguments (a refusal too: every caller gets the same answer). */
export function memoize<A extends (string | number | undefined)[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const seen = new Map<string, Promise<R>>();
  return (...args: A) => {
    const key = JSON.stringify(args);
    let hit = seen.get(key);
    if (!hit) seen.set(key, (hit = fn(...args)));
    return hit;
  };
}

/**
 * Checks the tenant, its vendor mode and the test, then starts (or finds) the journey. Shared by
 * the single-invite route and the bulk-invite activity, so both refuse and deduplicate alike.
 */
export async function inviteCandidate(
  deps: StartDeps,
  tenantId: string,
  body: InviteBody,
  lookups: InviteLookups = directLookups(deps.db),
) {
  const { start } = await checkedInvite(deps, tenantId, body, lookups);
  const { journeyId, created } = await startJourney(deps, start);
  return { journeyId, created };
}

/**
 * The invites of a bulk batch: each row checked as inviteCandidate checks it (a refusal is that
 * row's ServiceError), then the accepted rows recorded and started together (startVendorJourneys),
 * at most `concurrency` workflow starts in flight. Answers each row's outcome in order; anything
 * but a row's refusal (the database, Temporal) throws, and the batch is retried.
 */
export async function inviteCandidates(
  deps: StartDeps,
  tenantId: string,
  bodies: InviteBody[],
  lookups: InviteLookups,
  concurrency: number,
): Promise<({ journeyId: string; created: boolean } | { refused: ServiceError })[]> {
  const checked = await Promise.all(
    bodies.map((body) =>
      checkedInvite(deps, tenantId, body, lookups).catch((err: unknown) => {
        if (err instanceof ServiceError && err.kind !== 'upstream_unavailable') return { refused: err };
        throw err;
      }),
    ),
  );
  const accepted = checked.flatMap((c) => ('refused' in c ? [] : [c]));
  const started = await startVendorJourneys(deps, accepted, concurrency);
  let next = 0;
  return checked.map((c) => ('refused' in c ? c : started[next++]!));
}

/** The tenant, its vendor mode and the test checked: the journey to start. */
async function checkedInvite(
  deps: StartDeps,
  tenantId: string,
  body: InviteBody,
  lookups: InviteLookups,
): Promise<VendorStart> {
  await lookups.assertVendorInviteActive(tenantId);
  const testId = body.testId ?? (await lookups.mappedTest(tenantId, body.jobId));
  if (!testId) {
    throw new ServiceError(
      'invalid',
      `no testId given and job ${body.jobId} is not mapped to a test`,
      'testId',
    );
  }
  const test = await deps.catalogue.getEntry(tenantId, testId).catch((err: unknown) => {
    if (err instanceof ServiceError && err.kind === 'not_found') {
      throw new ServiceError('invalid', `no test ${testId} in this tenant`, 'testId');
    }
    throw err;
  });
  if (!test.active) throw new ServiceError('invalid', `test ${testId} is not active`, 'testId');
  return {
    test,
    start: {
      tenantId,
      testId,
      trigger: 'vendor',
      candidate: {
        firstName: body.firstName,
        lastName: body.lastName,
        preferredName: null,
        email: body.email,
        phone: null,
      },
      greenhouse: {
        applicationId: null,
        candidateId: null,
        jobId: body.jobId,
        callbackUrl: null,
        sentBy: null,
      },
    },
  };
}

/** The tenant exists and takes vendor-side invites (bulk uploads check it before any row). */
export async function assertVendorInviteActive(db: Database, tenantId: string) {
  const tenant = await db.tenant.findUnique({
    where: { id: tenantId },
    include: { modes: { where: { mode: 'vendor_invite' } } },
  });
  if (!tenant) throw new ServiceError('not_found', `no tenant ${tenantId}`);
  if (!tenant.modes.some((m) => m.active)) {
    throw new ServiceError('precondition', `the vendor_invite mode is not active for tenant ${tenantId}`);
  }
}

async function mappedTest(db: Database, tenantId: string, jobId: string) {
  const mapping = await db.jobTestMapping.findUnique({ where: { tenantId_jobId: { tenantId, jobId } } });
  return mapping?.testId ?? null;
}
