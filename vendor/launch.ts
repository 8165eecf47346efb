import { journeysOf } from '../db/repositories/journeys.js';
import type { Database } from '../db/client.js';
import { resolveLink } from '../journeys/links.js';
import { loadPackageVersion } from '../activities/vendor-order/package.js';
import type { LaunchSigner } from '../security/launch-assertions.js';

export type LaunchOutcome =
  { kind: 'unknown' } | { kind: 'closed'; status: string } | { kind: 'redirect'; location: string };

/**
 * The candidate's launch link: records the first open, then sends the candidate to the package's
 * launch URL with a short-lived signed assertion. An order that is over (expired, cancelled, or
 * with its result) opens nothing.
 */
export async function launchOrder(
  deps: { db: Database; signer: LaunchSigner },
  token: string,
): Promise<LaunchOutcome> {
  const { db } = deps;
  const orderId = await resolveLink(db, token, 'launch');
  if (!orderId) return { kind: 'unknown' };
  const order = await db.vendorOrder.findUnique({ where: { journeyId: orderId } });
  if (!order) return { kind: 'unknown' };
  if (order.resultHash || !['open', 'started'].includes(order.status))
    return { kind: 'closed', status: order.status };
  const [journey, candidate, pkg] = await Promise.all([
    journeysOf({ db }).selectOfKind(orderId, 'vendor_hosted', { deadlineAt: true, status: true }),
    db.journeyCandidate.findUnique({ where: { journeyId: orderId } }),
    loadPackageVersion(db, order.packageId, order.packageVersion),
  ]);
  if (!journey || !candidate) return { kind: 'unknown' };
  if (journey.deadlineAt && journey.deadlineAt.getTime() < Date.now())
    return { kind: 'closed', status: 'expired' };
  await db.vendorOrder.updateMany({
    where: { journeyId: orderId, openedAt: null },
    data: { openedAt: new Date() },
  });
  const assertion = await deps.signer.sign({
    packageId: order.packageId,
    packageVersion: order.packageVersion,
    orderId,
    tenantId: order.tenantId,
    candidate: { firstName: candidate.preferredName ?? candidate.firstName, lastName: candidate.lastName },
    deadlineAt: journey.deadlineAt?.toISOString() ?? null,
  });
  const location = new URL(pkg.launchUrl);
  location.searchParams.set('assertion', assertion);
  return { kind: 'redirect', location: location.toString() };
}
