import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database, Prisma } from '../../db/client.js';
import { journeysOf, type JourneyRepository } from '../../db/repositories/journeys.js';
import type { RowError, ValidRow } from '../../domain/invites/csv.js';
import { batchLookups, inviteCandidates, memoize } from '../../journeys/invite-candidate.js';
import type { PersonKey } from '../../security/person-index.js';
import type { BulkInviteActivities, BulkInviteCounts, InviteBatchInput } from './types.js';

export interface BulkInviteDeps {
  db: Database;
  journeys?: JourneyRepository;
  catalogue: CatalogueService;
  /** Starts the journeys (the worker's client, on the worker's connection). */
  temporal?: Client;
  /** The journeys' task queue; by default the one this activity runs on. */
  taskQueue?: string;
  /** PERSON_INDEX_KEY: the keyed vendor-invite ids (security/person-index.ts). */
  personKey?: PersonKey;
}

/**
 * Workflow starts of a batch in flight at once (its rows are checked, read and recorded together:
 * journeys/invite-candidate.ts). A start is mostly waiting for Temporal: a few in flight keep them going.
 */
const START_CONCURRENCY = 12;

/** Uploads whose rows this worker holds (immutable once accepted): one read per bulk run, not per batch. */
const UPLOADS_KEPT = 4;

interface Upload {
  tenantId: string;
  createdAt: Date;
  rows: ValidRow[];
}

const CSV_FIELD: Record<string, string> = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  jobId: 'job_id',
  testId: 'test_id',
};

type RowOutcome = { row: ValidRow; journeyId: string; created: boolean } | { row: ValidRow; error: RowError };

export function createBulkInviteActivities(deps: BulkInviteDeps): BulkInviteActivities {
  const uploads = new Map<string, Upload>();
  /** The upload's rows, read once per worker and bulk run (the oldest forgotten first). */
  async function uploadOf(bulkId: string): Promise<Upload> {
    const kept = uploads.get(bulkId);
    if (kept) return kept;
    const bulk = await deps.db.bulkInvite.findUnique({
      where: { id: bulkId },
      select: { tenantId: true, createdAt: true, rows: true },
    });
    if (!bulk) throw ApplicationFailure.nonRetryable(`no bulk invite ${bulkId}`);
    const upload = {
      tenantId: bulk.tenantId,
      createdAt: bulk.createdAt,
      rows: bulk.rows as unknown as ValidRow[],
    };
    uploads.set(bulkId, upload);
    for (const id of uploads.keys()) if (uploads.size > UPLOADS_KEPT) uploads.delete(id);
    return upload;
  }

  return {
    /**
     * Invites rows [from, to) of a bulk upload with the single invite's checks and business ids (a
     * row already invited, by any path, starts nothing new), the batch's reads and inserts done
     * together (inviteCandidates).
     *
     * Counting idempotently. An attempt can die after starting some journeys; its retry then
     * sees `created: false` for those rows. Two rules keep the counts exact:
     *  1. Classification is recomputed, not remembered: a row counts as `started` when its journey
     *     was created by this attempt or, on a retry, when the journey was created after the upload
     *     was accepted (journeys.created_at ≥ bulk_invites.created_at); otherwise it was
     *     `alreadyInvited`. The same rows give the same answer on every attempt. (Limit: a journey
     *     that another, concurrent upload or invite created after this upload was accepted counts
     *     as started on a retried batch. Overlapping uploads run one after the other in practice.)
     *  2. The counters are written as absolute values, `before` (the earlier batches' counts, from
     *     the workflow's history) plus this batch, and only when that does not lower the number of
     *     rows processed: a retry writes the same numbers again, and a late, superseded attempt
     *     cannot move them backwards. No increments, so nothing is counted twice.
     * Refused rows (a ServiceError: unknown test, unmapped job, mode switched off) are `failed`
     * and appended to the report's errors once (deduplicated by row and message).
     */
    async inviteBatch({ bulkId, from, to, before }: InviteBatchInput): Promise<BulkInviteCounts> {
      if (!deps.temporal) {
        throw ApplicationFailure.nonRetryable('the worker has no Temporal client for bulk invites');
      }
      // The tenant's mode, job mappings and tests: read once for the batch, not per row.
      const catalogue = { ...deps.catalogue, getEntry: memoize(deps.catalogue.getEntry) };
      const lookups = batchLookups(deps.db);
      const startDeps = {
        db: deps.db,
        catalogue,
        temporal: deps.temporal,
        taskQueue: deps.taskQueue ?? Context.current().info.taskQueue,
        ...(deps.personKey ? { personKey: deps.personKey } : {}),
      };
      const bulk = await uploadOf(bulkId);
      const rows = bulk.rows.slice(from, to);

      const answers = await inviteCandidates(
        startDeps,
        bulk.tenantId,
        rows.map(({ row: _line, ...body }) => body),
        lookups,
        START_CONCURRENCY,
      );
      const outcomes = answers.map((answer, k): RowOutcome => {
        const row = rows[k]!;
        if (!('refused' in answer)) return { row, ...answer };
        const err = answer.refused;
        const field = (err.field && CSV_FIELD[err.field]) ?? 'row';
        return { row, error: { row: row.row, field, message: err.message } };
      });

      const retried = Context.current().info.attempt > 1;
      const createdAt = new Map<string, Date>();
      if (retried) {
        const ids = outcomes.flatMap((o) => ('journeyId' in o && !o.created ? [o.journeyId] : []));
        const journeys = await journeysOf(deps).createdAtOf(ids);
        for (const j of journeys) createdAt.set(j.id, j.createdAt);
      }
      const counts: BulkInviteCounts = { started: 0, alreadyInvited: 0, failed: 0 };
      const failures: RowError[] = [];
      const seenJourneys = new Set<string>();
      for (const outcome of outcomes) {
        if ('error' in outcome) {
          counts.failed++;
          failures.push(outcome.error);
          continue;
        }
        const first = !seenJourneys.has(outcome.journeyId); // two rows, one journey: started once
        seenJourneys.add(outcome.journeyId);
        const ours =
          outcome.created ||
          (retried && (createdAt.get(outcome.journeyId)?.getTime() ?? 0) >= bulk.createdAt.getTime());
        if (ours && first) counts.started++;
        else counts.alreadyInvited++;
      }

      // The report's errors change batch by batch: read them (only) when this batch adds some.
      const errors = failures.length ? await reportErrors(deps.db, bulkId) : [];
      const known = new Set(errors.map((e) => `${e.row}\u0000${e.message}`));
      const newErrors = failures.filter((e) => !known.has(`${e.row}\u0000${e.message}`));
      const total = {
        started: before.started + counts.started,
        alreadyInvited: before.alreadyInvited + counts.alreadyInvited,
        failed: before.failed + counts.failed,
      };
      const processed = total.started + total.alreadyInvited + total.failed;
      const errorsJson = newErrors.length ? JSON.stringify([...errors, ...newErrors]) : null;
      await deps.db.$executeRaw`
        UPDATE bulk_invites
           SET started = ${total.started},
               already_invited = ${total.alreadyInvited},
               failed = ${total.failed},
               errors = COALESCE(${errorsJson}::jsonb, errors),
               updated_at = now()
         WHERE id = ${bulkId}
           AND started + already_invited + failed <= ${processed}`;
      return counts;
    },

    /** Marks the upload done with the workflow's final counts (the same numbers, written again). */
    async finishBulkInvite({ bulkId, counts }) {
      await deps.db.bulkInvite.update({
        where: { id: bulkId },
        data: {
          status: 'done',
          started: counts.started,
          alreadyInvited: counts.alreadyInvited,
          failed: counts.failed,
        } satisfies Prisma.BulkInviteUpdateInput,
      });
    },
  };
}

async function reportErrors(db: Database, bulkId: string): Promise<RowError[]> {
  const bulk = await db.bulkInvite.findUnique({ where: { id: bulkId }, select: { errors: true } });
  return (bulk?.errors ?? []) as unknown as RowError[];
}
