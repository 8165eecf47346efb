import { z } from 'zod';
import { JourneyKind, journeyListFields, JourneyStatus } from '../../domain/journey.js';
import { refereeStatuses } from '../../domain/reference-checks/types.js';
import { fraudSignalKinds } from '../../domain/reference-checks/fraud.js';
import { ReferenceCheckTemplate, Relationship } from '../../domain/reference-checks/template.js';
import { TestDefinition } from '../../domain/assessments/definition.js';
import { ResultField } from '../../domain/result-fields.js';
import { candidateJourneyKinds, kindModule, type CandidateJourneyKind } from '../../journeys/kinds/index.js';
import { TenantBranding } from '../../mail/branding.js';
import { IntegrationModeParam } from '../../tenants/schemas.js';
import type { ErrorBody } from '../http-errors.js';
import { StuckView } from '../../journeys/stuck-view.js';
import { component, note } from './registry.js';

/**
 * Response shapes of handlers that have no zod schema of their own, written from what they return
 * (the services' `select`s and return statements). Only for the document: nothing parses with them.
 * Dates are ISO 8601 strings on the wire (JSON of a Date).
 */

const timestamp = z.iso.datetime({ offset: true });
const nullableTimestamp = timestamp.nullable();

// ---- shared ----

export const ErrorBodySchema = component(
  z.object({
    error: z.object({
      /** e.g. invalid_input, not_found, conflict, unauthorized */
      code: z.string(),
      message: z.string(),
      /** The input that is wrong (a body path such as `mappings.0.jobId`, `query`, a header name). */
      field: z.string().optional(),
    }),
  }),
  'ErrorBody',
  'Every error answer of the JSON API: a stable code, a sentence, and the wrong input when there is one.',
);
// The document and the error handler describe the same shape.
const _errorBodyMatches: [z.infer<typeof ErrorBodySchema>] extends [ErrorBody] ? true : never = true;
void _errorBodyMatches;

// ---- operator keys and bulk invites ----

export const OperatorKeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'support', 'metrics', 'integration']),
  tenantId: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  revokedAt: z.iso.datetime({ offset: true }).nullable(),
  lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
});

export const BulkInviteView = z.object({
  id: z.string(),
  tenantId: z.string(),
  status: z.enum(['running', 'done']),
  totalRows: z.number().int(),
  validRows: z.number().int(),
  invalidRows: z.number().int(),
  started: z.number().int(),
  alreadyInvited: z.number().int(),
  failed: z.number().int(),
  createdAt: z.iso.datetime({ offset: true }),
  errors: note(z.array(z.looseObject({})), 'One entry per refused row: its line and what is wrong.'),
});

// ---- health ----

export const HealthzResponse = z.object({ status: z.literal('ok') });
const check = z.enum(['ok', 'unavailable']);
export const ReadyzResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({ database: check, temporal: check }),
});

// ---- webhooks ----

export const WebhookAcceptedResponse = z.union([
  z.object({
    received: z.literal(true),
    /** Only on a redelivery of an event already processed. */
    duplicate: z.literal(true).optional(),
    /** What the event did (journey started, cancelled, ignored: …). */
    outcome: z.string(),
  }),
  /** Greenhouse's set-up ping, answered even before the webhook secret is active. */
  z.object({ received: z.literal(true), ping: z.literal(true) }),
]);

// ---- operator: tenants and connections ----

const TenantStatus = z.enum(['active', 'disconnected', 'suspended']);
const ReportVisibility = z.enum(['public', 'private', 'admin_only']);

export const TenantSummary = component(
  z.object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: TenantStatus,
    createdAt: timestamp,
  }),
  'TenantSummary',
);
export const TenantList = z.array(TenantSummary);

const CapabilityCheck = z.object({
  capability: z.string(),
  status: z.enum(['granted', 'missing', 'unknown']),
  message: z.string(),
});
export const PermissionReport = component(
  z.object({
    version: z.enum(['v1', 'v3']),
    ok: z.boolean(),
    credentialValid: z.boolean(),
    checks: z.array(CapabilityCheck),
    auditUser: z.object({
      id: z.number().int().nullable(),
      status: z.enum(['ok', 'missing', 'unknown', 'not_configured']),
      message: z.string(),
    }),
    applicationCustomFields: z.object({
      available: z.boolean().nullable(),
      fallback: z.literal('candidate').nullable(),
      message: z.string(),
    }),
    problems: z.array(z.string()),
  }),
  'PermissionReport',
  'What the Greenhouse credential may do, per capability the active modes need.',
);
export const PermissionCheckResponse = PermissionReport.extend({
  checkedModes: z.array(IntegrationModeParam),
  applicationCustomFieldsAvailable: z.boolean().nullable(),
});

const CustomFieldMappingRow = z.object({
  resultField: ResultField,
  scope: z.enum(['application', 'candidate']),
  customFieldId: z.string(),
  valueType: z.string(),
  fieldName: z.string(),
});
const JobTestMappingRow = z.object({
  jobId: z.string(),
  testId: z.string(),
  passStageId: z.string().nullable(),
  failStageId: z.string().nullable(),
});
const StageTestMappingRow = z.object({ jobId: z.string(), stageId: z.string(), testId: z.string() });

export const TenantDescription = component(
  z.object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: TenantStatus,
    greenhouse: z
      .object({
        authKind: z.enum(['v3_client_credentials', 'v3_authorization_code', 'v1_key']),
        greenhouseHost: z.string(),
        harvestBaseUrl: z.string(),
        clientId: z.string().nullable(),
        auditUserId: z.string().nullable(),
        /** needs_consent: an authorization-code refresh was refused; the customer's admin consents again. */
        status: z.enum(['connected', 'disconnected', 'needs_consent']),
        statusReason: z.string().nullable(),
        permissionReport: PermissionReport.nullable(),
        checkedAt: nullableTimestamp,
        tokensRefreshedAt: nullableTimestamp,
        refreshTokenExpiresAt: nullableTimestamp,
      })
      .nullable(),
    modes: z.array(
      z.object({
        mode: IntegrationModeParam,
        active: z.boolean(),
        hasPartnerKey: z.boolean(),
        hasCallbackCredential: z.boolean(),
        hasWebhookSecret: z.boolean(),
        activatedAt: nullableTimestamp,
        /** greenhouse_invite: since when Greenhouse refuses the callback credential (journeys wait), and why. */
        callbackRefusedAt: nullableTimestamp.optional(),
        callbackRefusalReason: z.string().nullable().optional(),
      }),
    ),
    customFieldMappings: z.array(CustomFieldMappingRow),
    jobTestMappings: z.array(JobTestMappingRow),
    branding: TenantBranding.nullable(),
    reportVisibility: ReportVisibility,
    defaultGraderEmail: z.string().nullable(),
    reportLinkLifetimeDays: z.number().int(),
    stageTestMappings: z.array(StageTestMappingRow),
  }),
  'TenantDescription',
  'A tenant as operators see it: its connection, modes and mappings; never a secret.',
);

export const TenantSettingsResponse = z.object({
  branding: TenantBranding.nullable(),
  reportVisibility: ReportVisibility,
  defaultGraderEmail: z.string().nullable(),
  reportLinkLifetimeDays: z.number().int(),

  /** Days after a journey ended until its personal data is erased. */
  retentionDays: z.number().int().optional(),
});
export const ConnectGreenhouseResponse = z.object({
  connected: z.literal(true),
  authKind: z.enum(['v3_client_credentials', 'v1_key']),
  /** journeys that waited for this tenant's connection and were told to resume */
  resumedJourneys: z.number().int(),
  /** e.g. that Harvest v1 is retired, when a v1 key was still accepted */
  warnings: z.array(z.string()),
});
export const StartAuthorizationResponse = z.object({
  /** Send the customer's Greenhouse admin here to consent. */
  authorizeUrl: z.string(),
  redirectUri: z.string(),
  expiresAt: timestamp,
});
export const GreenhouseUserList = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    siteAdmin: z.boolean(),
    disabled: z.boolean(),
  }),
);
export const AuditUserResponse = z.object({
  auditUserId: z.string(),
  name: z.string(),
  siteAdmin: z.boolean(),
  warnings: z.array(z.string()),
});
const CustomFieldDefinition = z.object({
  id: z.string(),
  name: z.string(),
  valueType: z.string(),
  options: z.array(z.string()),
});
export const CustomFieldsResponse = z.object({
  applicationCustomFieldsAvailable: z.boolean(),
  application: z.array(CustomFieldDefinition),
  candidate: z.array(CustomFieldDefinition),
  note: z.string().optional(),
});
export const CustomFieldMappingsResponse = z.object({ mappings: z.array(CustomFieldMappingRow) });
/** The mappings as given (ids as strings). */
export const JobTestMappingsResponse = z.object({
  mappings: z.array(
    z.object({
      jobId: z.string(),
      testId: z.string(),
      passStageId: z.string().optional(),
      failStageId: z.string().optional(),
    }),
  ),
});
export const StageTestMappingsResponse = z.object({ mappings: z.array(StageTestMappingRow) });
export const ActivateModeResponse = z.object({
  mode: IntegrationModeParam,
  active: z.literal(true),
  /** greenhouse_invite: the key to enter in Greenhouse. Shown once: only its hash is kept. */
  partnerApiKey: z.string().optional(),
  /** webhook_trigger: the secret to enter in Greenhouse's webhook. Shown once. */
  webhookSecret: z.string().optional(),
  /** Present when a key or secret was issued by this call. */
  shownOnce: z.literal(true).optional(),
  /** greenhouse_invite after a refused callback credential: journeys told to resume, and any warnings. */
  resumedJourneys: z.number().int().optional(),
  warnings: z.array(z.string()).optional(),
});
export const DeactivateModeResponse = z.object({
  mode: IntegrationModeParam,
  active: z.literal(false),
  /** False when the mode was not active. */
  changed: z.boolean(),
});

// ---- operator: catalogue ----

export const PutTestResponse = z.object({
  testId: z.string(),
  version: z.number().int(),
  /** False when the content equals the current version (nothing stored). */
  created: z.boolean(),
  contentHash: z.string(),
});
export const TestSummary = component(
  z.object({
    testId: z.string(),
    name: z.string(),
    kind: z.enum(candidateJourneyKinds),
    currentVersion: z.number().int(),
    active: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'TestSummary',
);
export const TestSummaryList = z.array(TestSummary);
export const TestActiveResponse = z.object({
  testId: z.string(),
  name: z.string(),
  currentVersion: z.number().int(),
  active: z.boolean(),
});

export const TestDefinitionComponent = component(
  TestDefinition,
  'TestDefinition',
  'An assessment test: sections of questions, pass mark, deadline, reminders (domain/assessments/definition.ts).',
);
export const ReferenceCheckTemplateComponent = component(
  ReferenceCheckTemplate,
  'ReferenceCheckTemplate',
  'A reference-check template (`kind: "reference_check"`): referees wanted, questions, deadlines (domain/reference-checks/template.ts).',
);
const versionFields = {
  testId: z.string(),
  name: z.string(),
  version: z.number().int(),
  currentVersion: z.number().int(),
  active: z.boolean(),
  contentHash: z.string(),
  createdAt: timestamp,
};
/** One stored version of a test or template, as validated when it was written. */
const catalogueEntryOf = (kind: CandidateJourneyKind) =>
  z.object({ ...versionFields, kind: z.literal(kind), definition: kindModule(kind).catalogue.schema });
/** One variant per journey kind (journeys/kinds/): a new kind is described without edits here. */
export const CatalogueEntry = z.discriminatedUnion('kind', [
  catalogueEntryOf(candidateJourneyKinds[0]!),
  ...candidateJourneyKinds.slice(1).map(catalogueEntryOf),
]);

// ---- operator: journeys, probes, invites, response errors ----

export const Journey = component(
  z.object({
    id: z.string(),
    tenantId: z.string(),
    kind: JourneyKind,
    status: JourneyStatus,
    statusDetail: z.string().nullable(),
    stateVersion: z.number().int(),
    testId: z.string().nullable(),
    greenhouseApplicationId: z.string().nullable(),
    greenhouseCandidateId: z.string().nullable(),
    score: z.number().nullable(),
    profileUrl: z.string().nullable(),
    deadlineAt: nullableTimestamp,
    trigger: z.enum(['greenhouse', 'vendor', 'webhook']).nullable(),
    testVersion: z.number().int().nullable(),
    jobId: z.string().nullable(),
    callbackUrl: z.string().nullable(),
    sentBy: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: nullableTimestamp,
    writebackFailedStep: z.string().nullable(),
    /** Since when the journey waits for its tenant to reconnect Greenhouse (credential refused); null if not. */
    greenhouseWaitSince: nullableTimestamp,
    /** Since when one of its activities keeps failing and retrying; null if none is. */
    retryingSince: nullableTimestamp.optional(),
  }),
  'Journey',
  'The read model of one journey (one Temporal workflow).',
);
/** One row of the operators' journey list (api/operator/journeys.ts `listed`). */
export const JourneyListItem = Journey.pick(journeyListFields);
/** One journey for operators: the row without its links, what it waits for, and its timeline. */
export const JourneyWithReferees = Journey.omit({ profileUrl: true, callbackUrl: true, sentBy: true }).extend(
  {
    waitingFor: z.string().nullable(),
    /** Whether the workflow answered (false once it has finished or cannot be reached). */
    live: z.boolean(),
    timeline: z.array(
      z.object({
        at: timestamp,
        step: z.string(),
        label: z.string(),
        attempt: z.number().int(),
        outcome: z.string(),
        detail: z.string().nullable(),
        /** Identical failures in a row share one row: how many, and the latest. */
        count: z.number().int().optional(),
        lastAt: nullableTimestamp.optional(),
      }),
    ),
    /** Why it is stuck: the declared wait joined with Temporal's pending activities. */
    stuck: StuckView.optional(),
    /** Reference checks only: where each referee stands (names and answers stay on the report). */
    referees: z
      .array(
        z.object({
          id: z.string(),
          relationship: Relationship,
          status: z.enum(refereeStatuses),
          late: z.boolean(),
          requestedAt: nullableTimestamp,
          answeredAt: nullableTimestamp,
          dueAt: nullableTimestamp,
          fraudSignals: z.array(z.object({ kind: z.enum(fraudSignalKinds), description: z.string() })),
        }),
      )
      .optional(),
  },
);
export const ForceCompleteResponse = z.object({
  journeyId: z.string(),
  completing: z.literal(true),
  answered: z.number().int(),
  quorum: z.number().int(),
});
export const StartProbeResponse = z.object({ journeyId: z.string(), runId: z.string() });
export const ProbeState = z.object({
  journeyId: z.string(),
  status: JourneyStatus,
  waitingFor: z.string().nullable(),
  deadlineAt: timestamp,
  completedBy: z.string().nullable(),
});
export const InviteResponse = z.object({
  journeyId: z.string(),
  /** False when the same e-mail, job and test already had a journey (nothing sent again). */
  created: z.boolean(),
});
export const PartnerResponseErrorList = z.array(
  z.object({
    id: z.number().int(),
    tenantId: z.string(),
    apiCall: z.string(),
    errors: z.array(z.string()),
    partnerTestId: z.string().nullable(),
    partnerInterviewId: z.string().nullable(),
    receivedAt: timestamp,
  }),
);
