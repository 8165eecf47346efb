import type { Database, Prisma } from '../db/client.js';

/** What Greenhouse reported it could not accept (`partner_response_errors`). */
export function recordPartnerResponseError(
  db: Database,
  data: Prisma.PartnerResponseErrorUncheckedCreateInput,
) {
  return db.partnerResponseError.create({ data });
}

/** A tenant's last 200 reports, newest first. */
export function latestPartnerResponseErrors(db: Database, tenantId: string) {
  return db.partnerResponseError.findMany({
    where: { tenantId },
    orderBy: { receivedAt: 'desc' },
    take: 200,
  });
}
