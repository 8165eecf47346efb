import { Prisma, type Database } from '../client.js';

/**
 * The candidate's attempt at a test (`test_attempts`): when the page was first opened and the
 * answers saved so far (sealed with the journey's key). The time limit counts from `startedAt`.
 */
export function testAttemptsOf(db: Database) {
  return {
    find(journeyId: string) {
      return db.testAttempt.findUnique({ where: { journeyId } });
    },

    /** The attempt, started now unless it already was: the first open counts, never a later one. */
    async start(journeyId: string, now = new Date()) {
      const existing = await db.testAttempt.findUnique({ where: { journeyId } });
      if (existing) return existing;
      try {
        return await db.testAttempt.create({ data: { journeyId, startedAt: now } });
      } catch (err) {
        // Two first opens at once: the one stored first counts.
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        return db.testAttempt.findUniqueOrThrow({ where: { journeyId } });
      }
    },

    /** Replaces the saved answers (already sealed). */
    saveDraft(journeyId: string, draft: Prisma.InputJsonValue, savedAt = new Date()) {
      return db.testAttempt.update({ where: { journeyId }, data: { draft, savedAt } });
    },
  };
}
export type TestAttempts = ReturnType<typeof testAttemptsOf>;
