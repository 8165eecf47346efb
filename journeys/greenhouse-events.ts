import { WorkflowNotFoundError } from '@temporalio/client';
import type { Prisma } from '../db/client.js';
import { ServiceError } from '../domain/errors.js';
import type { WebhookEvent } from '../greenhouse/webhooks/index.js';
import type { SecretBox } from '../security/secret-box.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';
import { journeysOf } from '../db/repositories/journeys.js';
import { applicationFates } from './candidate-deletion.js';
import { eraseJourney } from './erase-candidate.js';
import { kindModuleOf } from './kinds/index.js';
import { startJourney, vendorJourneyIdsOf, type StartDeps } from './start-journey.js';

/**
 * Routes one verified, normalised Greenhouse webhook event to journeys (greenhouse.md §4):
 * a mapped stage entered starts the mapped assessment or reference check, a rejection, hire, deletion or anonymisation
 * stops the running journeys of that application or candidate. Returns the outcome in plain words
 * (stored with the event for operators). Permanent problems (unmapped stage, no e-mail, a test that
 * is gone) are outcomes, not errors: retrying them cannot help. Anything thrown is transient
 * (database, Temporal) and the caller must let Greenhouse redeliver.
 *
 * Every effect is idempotent on its own: journeys start under their business id (the same one
 * send_test uses for that application and test) and the stop signal only sets a reason once.
 */
export type GreenhouseEventDeps = StartDeps & {
  secrets: SecretBox;
  /** Harvest, to tell a deletion from a merge (candidate-deletion.ts). */
  harvestClientFor?: HarvestClientFactory;
};

export async function routeGreenhouseEvent(
  deps: GreenhouseEventDeps,
  tenantId: string,
  event: WebhookEvent,
): Promise<string> {
  switch (event.action) {
    case 'candidate_stage_change':
      return startForStage(deps, tenantId, event);
    case 'reject_candidate':
    case 'hire_candidate':
      return stopJourneys(deps, tenantId, event.action, { greenhouseApplicationId: event.applicationId });
    case 'delete_candidate':
      // No deleted applications: possibly a merge in disguise; nothing alive may be erased.
      if (!event.deletedApplicationIds.length) return deleteOrMerge(deps, tenantId, event.candidateId);
      // Greenhouse deleted the candidate: our copy goes too (journeys stopped, data erased).
      return eraseJourneys(deps, tenantId, event.action, {
        OR: [
          { greenhouseCandidateId: event.candidateId },
          ...(event.deletedApplicationIds.length
            ? [{ greenhouseApplicationId: { in: event.deletedApplicationIds } }]
            : []),
        ],
      });
    case 'candidate_anonymized':
      return eraseJourneys(deps, tenantId, event.action, { greenhouseCandidateId: event.candidateId });
    case 'merge_candidate': {
      // The merged-away candidate's applications now belong to the surviving one: point our
      // journeys there, so notes written later land on a candidate that still exists.
      const count = await journeysOf(deps).moveCandidate({
        tenantId,
        from: event.candidateId,
        to: event.mergedIntoCandidateId,
      });
      return `merged: ${count} journey(s) moved from candidate ${event.candidateId} to ${event.mergedIntoCandidateId}`;
    }
    case 'ping':
      return 'ignored: ping';
    case 'unsupported':
      return `ignored: unsupported action ${event.name.slice(0, 100)}`;
  }
}

async function startForStage(
  deps: GreenhouseEventDeps,
  tenantId: string,
  event: Extract<WebhookEvent, { action: 'candidate_stage_change' }>,
): Promise<string> {
  const mapping = await deps.db.stageTestMapping.findUnique({
    where: { tenantId_stageId: { tenantId, stageId: event.stage.id } },
  });
  if (!mapping) return `ignored: stage ${event.stage.id} is not mapped to a test`;
  if (event.jobIds.length && !event.jobIds.includes(mapping.jobId)) {
    return `ignored: stage ${event.stage.id} is mapped for job ${mapping.jobId}, not job ${event.jobIds.join(', ')}`;
  }
  const email = event.candidate.emails.map((e) => e.trim()).find((e) => e !== '');
  if (!email) return 'ignored: no e-mail';
  const entry = await deps.catalogue.getEntry(tenantId, mapping.testId).catch((err: unknown) => {
    if (err instanceof ServiceError) return err;
    throw err;
  });
  // The mapped test was deleted: the operator must fix the mapping; no retry helps.
  if (entry instanceof ServiceError) return `failed permanently: ${entry.message}`;
  // A vendor invite keys its journey on the e-mail and job (no application yet): whether it is still
  // looking for this application or already found it, it is this application's test. Never invite
  // twice; a vendor journey that gave up looking (failed) does not count.
  const vendorIds = event.candidate.emails.flatMap((e) =>
    vendorJourneyIdsOf(
      entry.kind,
      {
        tenantId,
        testId: mapping.testId,
        candidate: { firstName: '', lastName: '', preferredName: null, email: e, phone: null },
        greenhouse: {
          applicationId: null,
          candidateId: null,
          jobId: mapping.jobId,
          callbackUrl: null,
          sentBy: null,
        },
      },
      deps.personKey,
    ),
  );
  const covering = await journeysOf(deps).vendorJourneyCovering({
    tenantId,
    kind: entry.kind,
    vendorIds,
    testId: mapping.testId,
    applicationId: event.applicationId,
  });
  if (covering) return `ignored: journey ${covering.id} already covers this application`;
  try {
    const { journeyId, created } = await startJourney(deps, {
      tenantId,
      testId: mapping.testId,
      trigger: 'webhook',
      candidate: {
        firstName: event.candidate.firstName ?? '',
        lastName: event.candidate.lastName ?? '',
        preferredName: null,
        email,
        phone: null,
      },
      greenhouse: {
        applicationId: event.applicationId,
        candidateId: event.candidateId,
        jobId: mapping.jobId,
        callbackUrl: null,
        sentBy: null,
      },
    });
    // Not created: the row existed (a send_test, an earlier delivery, or an attempt whose workflow
    // start failed and which this delivery completes); the start above joined or started it.
    return `${created ? 'started' : 'started (existing journey)'}: ${journeyId}`;
  } catch (err) {
    // The mapped test was deleted or deactivated: the operator must fix the mapping; no retry helps.
    if (err instanceof ServiceError && (err.kind === 'invalid' || err.kind === 'not_found')) {
      return `failed permanently: ${err.message}`;
    }
    throw err;
  }
}

/**
 * `delete_candidate` without `deleted_application_ids` (greenhouse.md §0): each of our journeys'
 * applications is looked up in Harvest first. Gone: erased as for any deletion. Alive under another
 * candidate (a merge): the journeys move to that candidate, nothing is erased. Alive under the same
 * candidate, or not checkable (no connection): kept, and the outcome says so for the operator.
 */
async function deleteOrMerge(
  deps: GreenhouseEventDeps,
  tenantId: string,
  candidateId: string,
): Promise<string> {
  const journeys = await journeysOf(deps).unerasedOfCandidate(tenantId, candidateId);
  if (!journeys.length) return 'ignored: no journey to erase for this delete_candidate';
  const applicationIds = [
    ...new Set(journeys.map((j) => j.greenhouseApplicationId).filter((a): a is string => a !== null)),
  ];
  const fates = await applicationFates(deps, tenantId, applicationIds);
  if (!fates) {
    return `kept ${journeys.length} journey(s): delete_candidate named no deleted applications and Greenhouse cannot be asked whether they still exist (no working connection); erase by hand if the candidate is gone`;
  }
  const words: string[] = [];
  const gone = new Set(fates.filter((f) => f.fate === 'gone').map((f) => f.applicationId));
  // Journeys without an application were the candidate's alone: they go with the candidate.
  const erase = journeys
    .filter((j) => j.greenhouseApplicationId === null || gone.has(j.greenhouseApplicationId))
    .map((j) => j.id);
  let moved = 0;
  for (const fate of fates) {
    if (fate.fate !== 'alive' || fate.candidateId === null || fate.candidateId === candidateId) continue;
    const count = await journeysOf(deps).moveCandidate({
      tenantId,
      from: candidateId,
      to: fate.candidateId,
      applicationId: fate.applicationId,
    });
    moved += count;
    words.push(`application ${fate.applicationId} lives on under candidate ${fate.candidateId}`);
  }
  const erased = erase.length
    ? await eraseJourneys(deps, tenantId, 'delete_candidate', { id: { in: erase } })
    : 'erased 0 journey(s)';
  const kept = journeys.length - moved - erase.length;
  return `merge check: moved ${moved} journey(s)${words.length ? ` (${words.join('; ')})` : ''}; ${erased}${kept ? `; kept ${kept} whose application still belongs to candidate ${candidateId}` : ''}`.slice(
    0,
    2000,
  );
}

async function stopJourneys(
  deps: GreenhouseEventDeps,
  tenantId: string,
  action: string,
  where: Prisma.JourneyWhereInput,
): Promise<string> {
  const journeys = await journeysOf(deps).runningIds(tenantId, where);
  const stopped: string[] = [];
  for (const { id, kind } of journeys) {
    try {
      await kindModuleOf(kind)!.stopOnGreenhouseEvent(deps.temporal, id, action);
      stopped.push(id);
    } catch (err) {
      // Already finished (the read model lags by one activity): nothing left to stop.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  if (!journeys.length) return `ignored: no running journey for this ${action}`;
  return `stopped ${stopped.length} journey(s)${stopped.length ? `: ${stopped.join(', ')}` : ''}`.slice(
    0,
    2000,
  );
}

/**
 * Greenhouse deleted or anonymised the candidate: erase every journey of theirs (running or not).
 * The audit trail records that it happened and why, with journey ids only.
 */
async function eraseJourneys(
  deps: GreenhouseEventDeps,
  tenantId: string,
  action: string,
  where: Prisma.JourneyWhereInput,
): Promise<string> {
  const journeys = await journeysOf(deps).unerasedIds(tenantId, where);
  if (!journeys.length) return `ignored: no journey to erase for this ${action}`;
  for (const { id } of journeys) {
    const erased = await eraseJourney(deps, id);
    await deps.db.auditEntry.create({
      data: {
        actor: 'greenhouse',
        role: 'system',
        tenantId,
        journeyId: id,
        action: 'journey.erase',
        outcome: 'ok',
        detail: { trigger: action, ...erased } as Prisma.InputJsonValue,
      },
    });
  }
  return `erased ${journeys.length} journey(s): ${journeys.map((j) => j.id).join(', ')}`.slice(0, 2000);
}
