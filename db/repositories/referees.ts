import type { Database } from '../client.js';

/** One referee of a reference check (`referees`) by id. */
export function findReferee(db: Database, id: string) {
  return db.referee.findUnique({ where: { id } });
}

/** A reference check's referees in the order the candidate nominated them. */
export function refereesOf(db: Database, journeyId: string) {
  return db.referee.findMany({ where: { journeyId }, orderBy: { position: 'asc' } });
}

/** The names of the given referees, in nomination order (to thank the candidate by name). */
export function refereeNames(db: Database, ids: string[]) {
  return db.referee.findMany({
    where: { id: { in: ids } },
    orderBy: { position: 'asc' },
    select: { name: true },
  });
}
