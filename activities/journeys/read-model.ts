import type { Database } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import { createJourneySealer, ErasedDataError } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { JourneyActivities } from '../../workflows/shared/contract.js';

/**
 * Writes each journey's state into the read model. Idempotent and ordered: a retried or delayed
 * activity carrying an older stateVersion leaves a newer row untouched (the repository's rule).
 */
export function createJourneyActivities(deps: {
  db: Database;
  secrets: SecretBox;
  journeys?: JourneyRepository;
}): JourneyActivities {
  const { db } = deps;
  const sealer = createJourneySealer(deps);
  const journeys = journeysOf(deps);
  return {
    async recordJourneySnapshot({ statusNote, ...input }) {
      if (!statusNote) return journeys.recordSnapshot(input);
      // An erased journey's snapshot is ignored anyway: its words are gone with its key.
      const words = await sealer.unseal<string>(input.journeyId, statusNote).catch((err: unknown) => {
        if (err instanceof ErasedDataError) return null;
        throw err;
      });
      const detail = words === null ? input.statusDetail : `${input.statusDetail ?? ''}: ${words}`;
      return journeys.recordSnapshot({ ...input, statusDetail: detail });
    },

    async recordWritebackWaiting({ journeyId, step, message }) {
      await journeys.markWritebackWaiting(journeyId, step, message);
    },

    async recordGreenhouseWaiting({ journeyId, reason, on }) {
      const journey = await journeys.markGreenhouseWaiting(journeyId, reason, on ?? 'harvest');
      if (on === 'callback') {
        const mode = await db.tenantMode.findUnique({
          where: { tenantId_mode: { tenantId: journey.tenantId, mode: 'greenhouse_invite' } },
          select: { callbackRefusedAt: true },
        });
        return { connection: mode?.callbackRefusedAt ? 'disconnected' : 'connected' };
      }
      const connection = await db.greenhouseConnection.findUnique({
        where: { tenantId: journey.tenantId },
        select: { status: true },
      });
      return { connection: connection?.status ?? 'none' };
    },

    async recordApplicationGiveUp({ journeyId, attempts, reason }) {
      // Once on the timeline, however often a retry runs it.
      const step = 'applicationMatchGaveUp';
      if (await db.journeyEvent.findFirst({ where: { journeyId, step }, select: { id: true } }))
        return { recorded: false };
      await db.journeyEvent.create({
        data: {
          journeyId,
          step,
          label: `gave up looking for the candidate's application in Greenhouse after ${attempts} attempts: the journey failed`,
          attempt: 1,
          outcome: 'failed_final',
          detail: reason.slice(0, 1000),
        },
      });
      return { recorded: true };
    },
  };
}
