import type { Database } from '../client.js';

/**
 * A journey's timeline (`journey_events`), oldest first, as operators read it in the journey
 * detail. The timeline interceptor writes the rows, one per activity attempt.
 */
export function journeyTimeline(db: Database, journeyId: string) {
  return db.journeyEvent.findMany({
    where: { journeyId },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    select: {
      at: true,
      step: true,
      label: true,
      attempt: true,
      outcome: true,
      detail: true,
      count: true,
      lastAt: true,
    },
  });
}
