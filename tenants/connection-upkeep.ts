import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { resumeWaitingJourneys } from '../journeys/resume-after-reconnect.js';
import { ensureTokenRefreshSchedule } from './token-refresh-schedule.js';
import { emitConnectionRestored } from '../vendor/connection-events.js';
import type { VendorEventSink } from '../vendor/event-types.js';

/** What happens after a tenant (re)connects Greenhouse, beyond storing the credential. */
export interface ConnectionUpkeep {
  /** Returns warnings for the operator (the connection itself stands either way). */
  connected(tenantId: string, authKind: string): Promise<{ resumed: number; warnings: string[] }>;
  /** After a new (or re-activated) completion-callback credential: the journeys that waited for it resume. */
  callbackCredentialReplaced(tenantId: string): Promise<{ resumed: number; warnings: string[] }>;
}

/**
 * After a (re)connect: the refresh Schedule exists exactly for authorization-code tenants, and every
 * journey that waited for the connection resumes, in bounded batches, with no operator action.
 */
export function createConnectionUpkeep(deps: {
  db: Database;
  temporal: Client;
  taskQueue: string;
  tokenRefreshMinutes?: number;
  /** Tells the vendor `connection.restored` after a reconnect that ends a break. */
  vendorEvents?: VendorEventSink;
}): ConnectionUpkeep {
  return {
    async connected(tenantId, authKind) {
      const warnings: string[] = [];
      await ensureTokenRefreshSchedule(
        {
          temporal: deps.temporal,
          taskQueue: deps.taskQueue,
          ...(deps.tokenRefreshMinutes ? { intervalMinutes: deps.tokenRefreshMinutes } : {}),
        },
        tenantId,
        authKind === 'v3_authorization_code',
      ).catch((err: unknown) => {
        warnings.push(
          `the Greenhouse token refresh schedule could not be set up (${err instanceof Error ? err.message : String(err)}): reconnect again once Temporal answers`,
        );
      });
      const resumed = await resumeWaitingJourneys(deps, tenantId).catch((err: unknown) => {
        warnings.push(
          `waiting journeys could not all be told at once (${err instanceof Error ? err.message : String(err)}): they resume on their own within 30 minutes`,
        );
        return { signalled: 0 };
      });
      if (deps.vendorEvents) {
        await emitConnectionRestored(deps.vendorEvents, deps.db, tenantId).catch((err: unknown) => {
          warnings.push(
            `the vendor could not be told that the connection is restored (${err instanceof Error ? err.message : String(err)})`,
          );
        });
      }
      return { resumed: resumed.signalled, warnings };
    },

    async callbackCredentialReplaced(tenantId) {
      try {
        const resumed = await resumeWaitingJourneys(deps, tenantId, undefined, 'callback');
        return { resumed: resumed.signalled, warnings: [] };
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return {
          resumed: 0,
          warnings: [
            `journeys waiting for the callback credential could not all be told at once (${why}): they resume on their own within 30 minutes`,
          ],
        };
      }
    },
  };
}
