import type { Database } from '../client.js';
import { columnsOf, perTurnOnPool, type Query } from '../turn-batch.js';

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

/** A new timeline row (its time, count and id are the table's defaults). */
export interface NewJourneyEvent {
  journeyId: string;
  step: string;
  label: string;
  attempt: number;
  outcome: string;
  detail: string | null;
}

const INSERT_EVENTS = `
  INSERT INTO journey_events (journey_id, step, label, attempt, outcome, detail)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[])`;

async function insertEvents(query: Query, events: NewJourneyEvent[]): Promise<void[]> {
  await query(
    INSERT_EVENTS,
    columnsOf(events, ['journeyId', 'step', 'label', 'attempt', 'outcome', 'detail']),
  );
  return events.map(() => undefined);
}

const appenders = new WeakMap<Database, (event: NewJourneyEvent) => Promise<void>>();

/**
 * Appends a row to a journey's timeline. The rows of one event-loop turn (many journeys' activities
 * finishing together) are one INSERT (db/turn-batch.ts).
 */
export function appendJourneyEvent(db: Database, event: NewJourneyEvent): Promise<void> {
  let append = appenders.get(db);
  if (!append) appenders.set(db, (append = perTurnOnPool(db, insertEvents)));
  return append(event);
}
