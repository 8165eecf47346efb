import { journeysOf } from '../db/repositories/journeys.js';
import type { Database } from '../db/client.js';

export const orderStatuses = ['open', 'started', 'completed', 'expired', 'cancelled', 'declined'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** One order as the vendor API shows it: joined from journeys, journey_candidates and vendor_orders. */
export interface OrderRecord {
  journey: {
    id: string;
    tenantId: string;
    testId: string | null;
    testVersion: number | null;
    greenhouseApplicationId: string | null;
    jobId: string | null;
    trigger: string | null;
    deadlineAt: Date | null;
    createdAt: Date;
  };
  candidate: { firstName: string; lastName: string; email: string } | null;
  /** Null until the workflow's first activity wrote it: the order is then open. */
  order: {
    status: string;
    packageId: string;
    packageVersion: number;
    inviteDelivery: 'greenroom' | 'vendor';
    progressPercent: number | null;
    result: unknown;
    /** The launch link sealed with the journey's key (vendor/launch-link.ts opens it). */
    launchUrlSealed: unknown;
  } | null;
  packageKind: 'assessment' | 'reference_check' | null;
  /** The tenant's invite delivery for the package (for orders whose row is not written yet). */
  tenantInviteDelivery: 'greenroom' | 'vendor' | null;
}

const journeySelect = {
  id: true,
  tenantId: true,
  testId: true,
  testVersion: true,
  greenhouseApplicationId: true,
  jobId: true,
  trigger: true,
  deadlineAt: true,
  createdAt: true,
} as const;

/** Reads orders (vendor-hosted journeys); the only vendor-API module that queries them. */
export function vendorOrdersRepository(db: Database) {
  /** Joins what the view needs for these journeys, in their order. */
  async function join(journeys: OrderRecord['journey'][]): Promise<OrderRecord[]> {
    const ids = journeys.map((j) => j.id);
    const [candidates, orders] = await Promise.all([
      db.journeyCandidate.findMany({ where: { journeyId: { in: ids } } }),
      db.vendorOrder.findMany({ where: { journeyId: { in: ids } } }),
    ]);
    const packageIds = [...new Set(journeys.map((j) => j.testId).filter((t): t is string => t !== null))];
    const [packages, enabling] = await Promise.all([
      db.vendorPackage.findMany({ where: { id: { in: packageIds } }, select: { id: true, kind: true } }),
      db.tenantVendorPackage.findMany({
        where: {
          packageId: { in: packageIds },
          tenantId: { in: [...new Set(journeys.map((j) => j.tenantId))] },
        },
        select: { tenantId: true, packageId: true, inviteDelivery: true },
      }),
    ]);
    return journeys.map((journey) => {
      const c = candidates.find((x) => x.journeyId === journey.id);
      const order = orders.find((o) => o.journeyId === journey.id) ?? null;
      return {
        journey,
        candidate: c ? { firstName: c.firstName, lastName: c.lastName, email: c.email } : null,
        order,
        packageKind: packages.find((p) => p.id === journey.testId)?.kind ?? null,
        tenantInviteDelivery:
          enabling.find((e) => e.tenantId === journey.tenantId && e.packageId === journey.testId)
            ?.inviteDelivery ?? null,
      };
    });
  }

  return {
    async get(journeyId: string): Promise<OrderRecord | null> {
      const journey = await journeysOf({ db }).selectOfKind(journeyId, 'vendor_hosted', journeySelect);
      return journey ? (await join([journey]))[0]! : null;
    },

    /** Orders by creation, oldest first, after the cursor (createdAt, id); `take` rows at most. */
    async list(filter: {
      tenantId?: string;
      status?: OrderStatus;
      since?: Date;
      after?: { at: Date; id: string };
      take: number;
    }): Promise<OrderRecord[]> {
      const { tenantId, status, since, after, take } = filter;
      // An order whose row the workflow has not written yet is open (LEFT JOIN, COALESCE).
      const rows = await db.$queryRaw<{ id: string }[]>`
        SELECT j.id FROM journeys j LEFT JOIN vendor_orders o ON o.journey_id = j.id
        WHERE j.kind = 'vendor_hosted'
          AND (${tenantId ?? null}::text IS NULL OR j.tenant_id = ${tenantId ?? null})
          AND (${status ?? null}::text IS NULL OR COALESCE(o.status, 'open') = ${status ?? null})
          AND (${since ?? null}::timestamptz IS NULL OR j.created_at >= ${since ?? null})
          AND (${after?.at ?? null}::timestamptz IS NULL OR (j.created_at, j.id) > (${after?.at ?? null}, ${after?.id ?? null}))
        ORDER BY j.created_at, j.id
        LIMIT ${take}`;
      const found = await journeysOf({ db }).selectMany(
        rows.map((r) => r.id),
        journeySelect,
      );
      const journeys = rows.map((r) => found.find((j) => j.id === r.id)!);
      return join(journeys);
    },
  };
}
