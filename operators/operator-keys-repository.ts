import type { Database, Prisma } from '../db/client.js';

/** Operator keys as the API shows them: never the key or its hash. */
const publicFields = {
  id: true,
  name: true,
  role: true,
  tenantId: true,
  createdAt: true,
  revokedAt: true,
  lastUsedAt: true,
} as const;

/** The rows of `operator_keys`: the only module that queries them. */
export function operatorKeysRepository(db: Database) {
  return {
    findByHash: (keyHash: string) => db.operatorKey.findUnique({ where: { keyHash } }),

    /** Stamps last use unless a recent stamp exists (conditional: concurrent requests write once). */
    touchLastUsed: (id: string, now: Date, resolutionMs: number) =>
      db.operatorKey.updateMany({
        where: {
          id,
          OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - resolutionMs) } }],
        },
        data: { lastUsedAt: now },
      }),

    create: (data: Prisma.OperatorKeyUncheckedCreateInput) =>
      db.operatorKey.create({ data, select: { id: true, name: true, role: true, tenantId: true } }),

    /** Every key (null scope) or a tenant's keys, oldest first. */
    list: (tenantId: string | null) =>
      db.operatorKey.findMany({
        where: tenantId === null ? {} : { tenantId },
        select: publicFields,
        orderBy: { createdAt: 'asc' },
        take: 1000,
      }),

    find: (id: string) => db.operatorKey.findUnique({ where: { id }, select: publicFields }),

    revoke: (id: string, at: Date) =>
      db.operatorKey.update({ where: { id }, data: { revokedAt: at }, select: publicFields }),
  };
}
