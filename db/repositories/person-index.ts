import type { Database } from '../client.js';

/**
 * The person index (`person_index`): keyed hashes of candidates' e-mail addresses
 * (security/person-index.ts) → their journeys. Written when a journey is recorded, read and emptied
 * by erasure per person.
 */
export function personIndexOf(db: Database) {
  return {
    /** Idempotent: a repeated start adds nothing. */
    async add(entry: { personHash: string; journeyId: string; tenantId: string }): Promise<void> {
      await db.personIndexEntry.createMany({ data: [entry], skipDuplicates: true });
    },

    /** Many at once (a bulk batch); idempotent like add. */
    async addMany(entries: { personHash: string; journeyId: string; tenantId: string }[]): Promise<void> {
      if (entries.length) await db.personIndexEntry.createMany({ data: entries, skipDuplicates: true });
    },

    /** The person's journeys, optionally within one tenant. */
    async journeyIds(personHash: string, tenantId?: string): Promise<string[]> {
      const rows = await db.personIndexEntry.findMany({
        where: { personHash, ...(tenantId ? { tenantId } : {}) },
        select: { journeyId: true },
      });
      return rows.map((r) => r.journeyId);
    },

    /** Forgets these journeys' people (their candidate was erased). */
    async removeJourneys(journeyIds: string[]): Promise<number> {
      const { count } = await db.personIndexEntry.deleteMany({ where: { journeyId: { in: journeyIds } } });
      return count;
    },
  };
}
