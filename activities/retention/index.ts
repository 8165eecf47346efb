import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../../db/client.js';
import { eraseForRetention, journeysPastRetention } from '../../journeys/retention.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { RetentionActivities } from './types.js';

export interface RetentionActivityDeps {
  db: Database;
  secrets: SecretBox;
  /** Stops journeys as they are erased (the worker's client). */
  temporal?: Client;
}

/** Retention: finds ended journeys past their tenant's period and erases their personal data. */
export function createRetentionActivities(deps: RetentionActivityDeps): RetentionActivities {
  return {
    async retentionDue({ limit }) {
      return { journeyIds: await journeysPastRetention(deps.db, limit) };
    },
    async retentionErase({ journeyIds }) {
      if (!deps.temporal)
        throw ApplicationFailure.nonRetryable('retention needs a Temporal client (the worker’s connection)');
      const erased = await eraseForRetention(
        { db: deps.db, secrets: deps.secrets, temporal: deps.temporal },
        journeyIds,
      );
      return { erased };
    },
  };
}
