import type { Database } from '../../db/client.js';
import { waitingForGreenhouseDetail } from '../../domain/greenhouse-connection.js';
import { JourneySnapshot } from '../../domain/journey.js';
import type { JourneyActivities } from '../../workflows/shared/contract.js';

/**
 * Writes each journey's state into the read model. Idempotent and ordered: a retried or delayed
 * activity carrying an older stateVersion leaves a newer row untouched.
 */
export function createJourneyActivities({ db }: { db: Database }): JourneyActivities {
  return {
    async recordJourneySnapshot(input) {
      const s = JourneySnapshot.parse(input);
      const deadlineAt = s.deadlineAt ? new Date(s.deadlineAt) : null;
      const completedAt = s.completedAt ? new Date(s.completedAt) : null;
      const changed = await db.$executeRaw`
        INSERT INTO journeys (id, tenant_id, kind, status, status_detail, state_version, test_id,
                              deadline_at, completed_at, greenhouse_application_id, score, updated_at)
        VALUES (${s.journeyId}, ${s.tenantId}, ${s.kind}::"JourneyKind", ${s.status}, ${s.statusDetail},
                ${s.stateVersion}, ${s.testId}, ${deadlineAt}, ${completedAt}, ${s.greenhouseApplicationId},
                ${s.scorePercent}, now())
        ON CONFLICT (id) DO UPDATE SET
          status = EXCLUDED.status,
          status_detail = EXCLUDED.status_detail,
          state_version = EXCLUDED.state_version,
          test_id = EXCLUDED.test_id,
          deadline_at = EXCLUDED.deadline_at,
          completed_at = EXCLUDED.completed_at,
          greenhouse_application_id = COALESCE(EXCLUDED.greenhouse_application_id, journeys.greenhouse_application_id),
          score = COALESCE(EXCLUDED.score, journeys.score),
          updated_at = now()
        WHERE journeys.state_version < EXCLUDED.state_version`;
      return { applied: changed > 0 };
    },

    async recordWritebackWaiting({ journeyId, step, message }) {
      await db.journey.update({
        where: { id: journeyId },
        data: {
          writebackFailedStep: step,
          // What operators read in listings; cleared when the step is retried or skipped.
          statusDetail: step
            ? `write-back failed at ${step}: ${message ?? 'unknown error'} (retry or skip it)`
            : null,
        },
      });
    },

    async recordGreenhouseWaiting({ journeyId, reason }) {
      const journey = await db.journey.update({
        where: { id: journeyId },
        data: reason
          ? { statusDetail: waitingForGreenhouseDetail(reason) }
          : { greenhouseWaitSince: null, statusDetail: null },
        select: { tenantId: true, greenhouseWaitSince: true },
      });
      // Kept from the first refusal, so listings say since when.
      if (reason && !journey.greenhouseWaitSince)
        await db.journey.update({ where: { id: journeyId }, data: { greenhouseWaitSince: new Date() } });
      const connection = await db.greenhouseConnection.findUnique({
        where: { tenantId: journey.tenantId },
        select: { status: true },
      });
      return { connection: connection?.status ?? 'none' };
    },
  };
}
