import type { Database } from '../db/client.js';
import { createJourneyActivities } from './journeys/read-model.js';

export interface ActivityDependencies {
  db: Database;
}

/** All activities the worker registers, built from injected dependencies (no globals). */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createJourneyActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
