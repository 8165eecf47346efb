import { Prisma } from '../db/client.js';
import type { ResultField } from '../domain/result-fields.js';
import { toActivityFailure } from '../greenhouse/harvest/activity-failure.js';
import { isHarvestError } from '../greenhouse/harvest/errors.js';
import { journeysOf } from '../db/repositories/journeys.js';
import type {
  CandidateMatch,
  CustomFieldValue,
  HarvestApplication,
  HarvestClient,
  NoteVisibility,
} from '../greenhouse/harvest/types.js';
import type { SecretBox } from '../security/secret-box.js';
import { credentialRefusedFailure } from '../tenants/credential-refusal.js';
import { harvestClientForTenant, type TenantHarvest } from '../tenants/harvest-client-for-tenant.js';
import type { HarvestClientFactory } from '../tenants/harvest-gateway.js';
import { kindModule } from './kinds/index.js';
import { openReportLink } from './links.js';
import type { AssessmentDeps } from './journey-context.js';
import type { ApplicationActivities, WritebackActivities } from '../workflows/shared/contract.js';
import { vendorOrderEntry } from '../activities/vendor-order/package.js';
import { vendorAttributeValues } from '../activities/vendor-order/attributes.js';

export interface WritebackDeps extends AssessmentDeps {
  secrets: SecretBox;
  harvestClientFor: HarvestClientFactory;
}

/**
 * Results into Greenhouse through Harvest. Each write is recorded in harvest_effects after it
 * succeeds and checked there before it is tried again. Harvest errors become Temporal failures
 * that retry when they can heal (429, 5xx) and stop with a plain message when not (401, 403, 422);
 * a refused credential also marks the tenant disconnected for operators.
 */
export function createWritebackActivities(
  deps: WritebackDeps,
): ApplicationActivities & Omit<WritebackActivities, 'sendCompletionPatch'> {
  const { db } = deps;

  /** The tenant's last client and the connection it was built from: a refusal marks that one only. */
  const seen = new Map<string, TenantHarvest>();

  /**
   * The tenant's Harvest client, or null when the tenant has not connected Greenhouse. A connection
   * Greenhouse already refused is not tried again: the journey waits for the reconnect instead.
   */
  async function harvestFor(tenantId: string): Promise<HarvestClient | null> {
    const found = await harvestClientForTenant(deps, tenantId);
    if (!found) return null;
    const { connection } = found;
    if (connection.status !== 'connected')
      throw credentialRefusedFailure(
        connection.statusReason ?? `the Greenhouse connection is ${connection.status}`,
      );
    seen.set(tenantId, found);
    return found.client;
  }

  async function harvest<T>(tenantId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const refusal = await seen.get(tenantId)?.refused(err);
      if (refusal) throw credentialRefusedFailure(refusal.reason);
      throw toActivityFailure(err);
    }
  }

  /**
   * Runs a Harvest write once per key: our ledger first, then Greenhouse itself — a crash between
   * Greenhouse's answer and the ledger row must not write twice. If the credential may not read
   * what it wrote (a missing permission), the ledger alone decides.
   */
  async function once(
    journeyId: string,
    effect: string,
    alreadyInGreenhouse: () => Promise<boolean>,
    write: () => Promise<string | null>,
  ) {
    const key = `${journeyId}:${effect}`;
    if (await db.harvestEffect.findUnique({ where: { key } })) return false;
    const found = await alreadyInGreenhouse().catch((err: unknown) => {
      if (isHarvestError(err) && err.retryable) throw toActivityFailure(err);
      return false;
    });
    if (found) {
      await db.harvestEffect
        .create({ data: { key, journeyId, effect, externalId: null } })
        .catch(() => undefined);
      return false;
    }
    const externalId = await write();
    await db.harvestEffect.create({ data: { key, journeyId, effect, externalId } }).catch((err: unknown) => {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    });
    return true;
  }

  /**
   * A note on the candidate (and application), once per `effect`: its last line, `reference`, lets
   * a retry find it in the activity feed. Visible as the tenant chose for the report (Greenhouse
   * takes the same three values).
   */
  async function noteOnce(
    client: HarvestClient,
    journey: {
      id: string;
      tenantId: string;
      greenhouseCandidateId: string | null;
      greenhouseApplicationId: string | null;
      tenant: { reportVisibility: NoteVisibility };
    },
    effect: string,
    reference: string,
    lines: (string | null)[],
  ) {
    const candidateId = Number(journey.greenhouseCandidateId);
    return once(
      journey.id,
      effect,
      async () => (await client.listCandidateNotes(candidateId)).some((n) => n.body?.includes(reference)),
      async () => {
        const note = await harvest(journey.tenantId, () =>
          client.addCandidateNote(candidateId, {
            ...(journey.greenhouseApplicationId
              ? { applicationId: Number(journey.greenhouseApplicationId) }
              : {}),
            body: [...lines, reference].filter(Boolean).join('\n'),
            visibility: journey.tenant.reportVisibility,
          }),
        );
        return note.id === null ? null : String(note.id);
      },
    );
  }

  /** The journey with its tenant and candidate: what every write needs, for both journey kinds. */
  const loadRecord = (journeyId: string) => journeysOf(deps).reach(journeyId);

  /**
   * The result as Greenhouse shows it: an assessment's score and pass/fail, or a reference check's
   * mean rating (no pass/fail: a reference check informs a person, it never decides).
   */
  async function outcomeOf(journey: {
    id: string;
    tenantId: string;
    testId: string | null;
    testVersion: number | null;
  }) {
    // A vendor order's package version is pinned on the order, not in the tenant's catalogue.
    const vendorEntry = await vendorOrderEntry(db, journey.id);
    if (vendorEntry) return kindModule(vendorEntry.kind).writeBackOutcome(db, vendorEntry, journey.id);
    const entry = await deps.catalogue.getEntry(
      journey.tenantId,
      journey.testId!,
      journey.testVersion ?? undefined,
    );
    return kindModule(entry.kind).writeBackOutcome(db, entry, journey.id);
  }

  return {
    async findApplication({ journeyId }) {
      const { journey, candidate } = await loadRecord(journeyId);
      if (!candidate) throw new Error(`journey ${journeyId} has no candidate record`);
      const client = await harvestFor(journey.tenantId);
      if (!client) {
        return {
          found: false,
          applicationId: null,
          candidateId: null,
          reason: 'the tenant has not connected Greenhouse',
        };
      }
      const jobId = journey.jobId ? Number(journey.jobId) : undefined;
      const matches = await harvest(journey.tenantId, () =>
        client.findCandidatesByEmail(candidate.email, jobId ? { jobId } : {}),
      );
      const picked = pickApplication(matches, jobId);
      if (!picked.application) {
        return { found: false, applicationId: null, candidateId: null, reason: picked.reason };
      }
      const applicationId = String(picked.application.id);
      const candidateId = String(picked.application.candidateId ?? picked.candidateId);
      await journeysOf(deps).recordApplication(journeyId, applicationId, candidateId);
      // reason: null, or what made the choice ambiguous (shown on the journey's timeline)
      return { found: true, applicationId, candidateId, reason: picked.reason };
    },

    async writeCustomFields({ journeyId }) {
      const { journey } = await loadRecord(journeyId);
      const mappings = await db.customFieldMapping.findMany({ where: { tenantId: journey.tenantId } });
      // A vendor order's declared attributes, mapped by an operator (none for other journeys).
      const attributes = await vendorAttributeValues(db, journeyId);
      const client = mappings.length || attributes.length ? await harvestFor(journey.tenantId) : null;
      if (!client || !journey.greenhouseApplicationId) return { written: 0 };
      const outcome = await outcomeOf(journey);
      // undefined: nothing to write for this journey kind (e.g. pass/fail of a reference check).
      const value = (field: ResultField, valueType: string): unknown => {
        switch (field) {
          case 'status':
            return 'complete';
          case 'score':
            if (outcome.score === null) return undefined;
            return valueType === 'number' ? outcome.score : outcome.scoreText;
          case 'pass_fail':
            if (outcome.passed === null) return undefined;
            return valueType === 'yes_no' ? outcome.passed : outcome.passed ? 'Pass' : 'Fail';
          case 'report_link':
            return openReportLink(deps.secrets, journeyId, journey.profileUrl);
          case 'test_name':
            return outcome.testName;
          case 'completed_at': {
            const at = (journey.completedAt ?? outcome.completedAt).toISOString();
            return valueType === 'date' ? at.slice(0, 10) : at;
          }
        }
      };
      const forScope = (scope: string): CustomFieldValue[] => [
        ...mappings
          .filter((m) => m.scope === scope)
          .map((m) => ({ id: Number(m.customFieldId), value: value(m.resultField, m.valueType) }))
          .filter((v) => v.value !== undefined),
        ...attributes.filter((a) => a.scope === scope).map(({ id, value }) => ({ id, value })),
      ];
      const applicationValues = forScope('application');
      const candidateValues = forScope('candidate');
      // Setting the same values again is harmless: no ledger needed.
      if (applicationValues.length) {
        await harvest(journey.tenantId, () =>
          client.updateApplicationCustomFields(Number(journey.greenhouseApplicationId), applicationValues),
        );
      }
      if (candidateValues.length && journey.greenhouseCandidateId) {
        await harvest(journey.tenantId, () =>
          client.updateCandidateCustomFields(Number(journey.greenhouseCandidateId), candidateValues),
        );
      }
      return { written: applicationValues.length + candidateValues.length };
    },

    async addResultNote({ journeyId }) {
      const { journey } = await loadRecord(journeyId);
      const client = await harvestFor(journey.tenantId);
      if (!client || !journey.greenhouseCandidateId) return { added: false };
      const outcome = await outcomeOf(journey);
      const reportLink = openReportLink(deps.secrets, journeyId, journey.profileUrl);
      // The reference line lets a retry recognise our note in the activity feed.
      const added = await noteOnce(client, journey, 'note', `Ref: ${journeyId}`, [
        outcome.summary,
        reportLink ? `Report: ${reportLink}` : null,
      ]);
      return { added };
    },

    async addReportLinkNote({ journeyId, n }) {
      const { journey } = await loadRecord(journeyId);
      const client = await harvestFor(journey.tenantId);
      const reportLink = openReportLink(deps.secrets, journeyId, journey.profileUrl);
      // Only next to a result note that went out: it holds the earlier link.
      const resultNote = await db.harvestEffect.findUnique({ where: { key: `${journeyId}:note` } });
      if (!client || !journey.greenhouseCandidateId || !reportLink || !resultNote) return { added: false };
      const { testName } = await outcomeOf(journey);
      // Not "Ref: <journeyId>": that line marks the result note itself.
      const added = await noteOnce(
        client,
        journey,
        `note:report-link-${n}`,
        `Report link ${n} of ${journeyId}`,
        [
          `${testName}: a fresh link to the report (an earlier link may no longer open it).`,
          `Report: ${reportLink}`,
        ],
      );
      return { added };
    },

    async attachReport({ journeyId }) {
      const { journey } = await loadRecord(journeyId);
      const client = await harvestFor(journey.tenantId);
      if (!client || !journey.greenhouseApplicationId) return { attached: false };
      const report = await db.report.findUniqueOrThrow({ where: { journeyId } });
      const applicationId = Number(journey.greenhouseApplicationId);
      const attached = await once(
        journeyId,
        'attachment',
        async () =>
          (
            await client.listApplicationAttachments(applicationId, Number(journey.greenhouseCandidateId))
          ).some((a) => a.filename === report.filename),
        async () => {
          const attachment = await harvest(journey.tenantId, () =>
            client.addApplicationAttachment(Number(journey.greenhouseApplicationId), {
              filename: report.filename,
              type: 'other',
              content: Buffer.from(report.content).toString('base64'),
              contentType: 'application/pdf',
              // The tenant's choice: Greenhouse's default (admin_only) hides it from the hiring team.
              visibility: journey.tenant.reportVisibility,
            }),
          );
          return attachment.url;
        },
      );
      return { attached };
    },

    async moveStageOnResult({ journeyId, passed }) {
      const { journey } = await loadRecord(journeyId);
      const client = await harvestFor(journey.tenantId);
      if (!client || !journey.greenhouseApplicationId) return { moved: false };
      const applicationId = Number(journey.greenhouseApplicationId);
      const application = await harvest(journey.tenantId, () => client.getApplication(applicationId));
      const rule = application.jobId
        ? await db.jobTestMapping.findUnique({
            where: { tenantId_jobId: { tenantId: journey.tenantId, jobId: String(application.jobId) } },
          })
        : null;
      const target = rule?.testId === journey.testId ? (passed ? rule.passStageId : rule.failStageId) : null;
      if (!target || application.stageId === null || application.jobId === null) return { moved: false };
      // Already there (a recruiter moved it, or an earlier attempt did)? `stage_id` may name the job
      // stage or an application-stage record (two readings of v3): compare ids, then names.
      if (String(application.stageId) === target) return { moved: false };
      const stages = await harvest(journey.tenantId, () => client.listJobStages(application.jobId!));
      const targetName = stages.find((st) => String(st.id) === target)?.name;
      if (targetName !== undefined && application.stageName === targetName) return { moved: false };
      const moved = await once(
        journeyId,
        'stage_move',
        async () => false,
        async () => {
          await harvest(journey.tenantId, () =>
            // The stage_id as read is Greenhouse's guard: a move by someone else meanwhile fails.
            client.moveApplicationStage(applicationId, {
              fromStageId: application.stageId!,
              toStageId: Number(target),
            }),
          );
          return target;
        },
      );
      return { moved };
    },
  };
}

/**
 * Vendor mode's choice among the candidates with the journey's e-mail: an active application (not a
 * prospect, not rejected or hired) on the mapped job; the newest (highest id) when there are several,
 * saying so. `reason` explains a miss, or the ambiguity of a hit.
 */
export function pickApplication(
  matches: CandidateMatch[],
  jobId: number | undefined,
): { application: HarvestApplication | null; candidateId: number | null; reason: string | null } {
  const onJob = matches.flatMap((m) =>
    m.applications
      .filter((a) => jobId === undefined || a.jobId === jobId)
      .map((a) => ({ a, candidateId: m.candidate.id })),
  );
  const active = onJob.filter(({ a }) => !a.prospect && (a.status === null || a.status === 'active'));
  const job = jobId ? ` to job ${jobId}` : '';
  if (active.length === 0) {
    const reason =
      matches.length === 0
        ? 'no Greenhouse candidate has this e-mail address'
        : onJob.length === 0
          ? `the Greenhouse candidate with this e-mail has no application${job}`
          : `the candidate's application${job} is not active (${[...new Set(onJob.map(({ a }) => (a.prospect ? 'prospect' : (a.status ?? 'unknown'))))].sort().join(', ')})`;
    return { application: null, candidateId: null, reason };
  }
  active.sort((x, y) => y.a.id - x.a.id);
  const chosen = active[0]!;
  const reason =
    active.length > 1
      ? `ambiguous: ${active.length} active applications${job} for this e-mail (${active.map(({ a }) => a.id).join(', ')}${new Set(active.map((x) => x.candidateId)).size > 1 ? `, on ${new Set(active.map((x) => x.candidateId)).size} candidates` : ''}); chose the newest, ${chosen.a.id}`
      : null;
  return { application: chosen.a, candidateId: chosen.candidateId, reason };
}
