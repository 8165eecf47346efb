import type { Database } from '../db/client.js';
import { ServiceError } from '../domain/errors.js';
import { InviteBody } from '../domain/invites/invite-body.js';
import { startJourney, type StartDeps } from './start-journey.js';

// The rules live in domain/ so the (pure) CSV validator applies exactly the same ones.
export { InviteBody };

/**
 * Checks the tenant, its vendor mode and the test, then starts (or finds) the journey. Shared by
 * the single-invite route and the bulk-invite activity, so both refuse and deduplicate alike.
 */
export async function inviteCandidate(deps: StartDeps, tenantId: string, body: InviteBody) {
  await assertVendorInviteActive(deps.db, tenantId);
  const testId = body.testId ?? (await mappedTest(deps.db, tenantId, body.jobId));
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

  const { journeyId, created } = await startJourney(deps, {
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
  });
  return { journeyId, created };
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
