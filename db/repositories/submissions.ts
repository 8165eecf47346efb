import type { Database } from '../client.js';

/** A journey's answers and grading (`submissions`); null before the candidate submits. */
export function findSubmission(db: Database, journeyId: string) {
  return db.submission.findUnique({ where: { journeyId } });
}
