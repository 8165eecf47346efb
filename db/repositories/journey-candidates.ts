import type { Database } from '../client.js';

/** The person a journey is about (`journey_candidates`); null once no row exists for it. */
export function findJourneyCandidate(db: Database, journeyId: string) {
  return db.journeyCandidate.findUnique({ where: { journeyId } });
}

/**
 * Corrects the candidate's e-mail (an operator's resend after the old address was refused).
 * Answers the previous address so a refused action can put it back; null when the journey has
 * no candidate record (or it was erased).
 */
export async function replaceCandidateEmail(
  db: Database,
  journeyId: string,
  email: string,
): Promise<string | null> {
  const candidate = await db.journeyCandidate.findUnique({ where: { journeyId }, select: { email: true } });
  if (!candidate) return null;
  await db.journeyCandidate.update({ where: { journeyId }, data: { email } });
  return candidate.email;
}
