import { z } from 'zod';
import { pagePath } from '../../activities/assessment/links.js';
import { ReferenceCheckTemplate } from '../../domain/reference-checks/template.js';
import { TestDefinition, TestId } from '../../domain/tests/definition.js';
import {
  CandidateAnonymizedSchema,
  CandidateStageChangeSchema,
  DeleteCandidateSchema,
  HireCandidateSchema,
  MergeCandidateSchema,
  PingSchema,
  RejectCandidateSchema,
} from '../../greenhouse/webhooks/events.js';
import {
  ListTestsResponseSchema,
  ResponseErrorRequestSchema,
  ResponseErrorResponseSchema,
  SendTestRequestSchema,
  SendTestResponseSchema,
  TestStatusResponseSchema,
} from '../../greenhouse/partner/schemas.js';
import { AUTHORIZATION_CALLBACK_PATH } from '../../tenants/connection-service.js';
import {
  ActivateModeBody,
  AuditUserBody,
  AuthorizationCallbackQuery,
  ConnectGreenhouseBody,
  CreateTenantBody,
  CustomFieldMappingsBody,
  IntegrationModeParam,
  JobTestMappingsBody,
  StageTestMappingsBody,
  StartAuthorizationBody,
  TenantSettingsBody,
} from '../../tenants/schemas.js';
import { InviteBody } from '../operator/invites.js';
import { WEBHOOK_PATH } from '../webhooks/greenhouse.js';
import {
  component,
  defineRoute,
  expressPathToOpenApi,
  note,
  type ResponseSpec,
  type RouteSpec,
} from './registry.js';
import {
  CompleteProbeBody,
  ForceCompleteBody,
  GradeForm,
  NominationForm,
  ProbeHeaders,
  ReferenceForm,
  StartProbeBody,
  TakeTestForm,
  TestListQuery,
  TestStatusQuery,
  TestVersionQuery,
} from './requests.js';
import * as R from './responses.js';
import { operatorSurfaceRoutes } from './routes-operators.js';

/**
 * Every HTTP route of the app (api/app.ts), one `defineRoute` each. A route added to Express without
 * an entry here fails test/api/openapi.test.ts. Add entries to `routes`, or call `registerRoutes`.
 */

// Named components for the bodies people read most (the rest is inlined where used).
component(SendTestRequestSchema, 'SendTestRequest', 'What Greenhouse sends when a recruiter sends a test.');
component(TestStatusResponseSchema, 'TestStatus', 'Our answer to test_status, in Greenhouse’s vocabulary.');
component(InviteBody, 'InviteBody', 'A vendor-side invite: the candidate, the job, optionally the test.');
component(ConnectGreenhouseBody, 'ConnectGreenhouseBody');

// ---- shared pieces ----

const err = (description: string): ResponseSpec => ({ description, schema: R.ErrorBodySchema });
const html = (description: string): ResponseSpec => ({ description, contentType: 'text/html' });
const invalidInput = err(
  'Invalid input: `error.field` names the first wrong field (`invalid_input`, `invalid_json`).',
);
const operatorAuth = {
  401: err('No, wrong or revoked operator key (`unauthorized`).'),
  403: err('The key’s role (support vs admin) or tenant scope does not allow this (`forbidden`).'),
};
const partnerAuth = { 401: err('No, malformed or unknown partner API key (`WWW-Authenticate: Basic`).') };
const noTenant = err('No such tenant (`not_found`).');
const notConnected = err('The tenant is not connected to Greenhouse yet (`precondition`).');
const greenhouseRefused = err('Greenhouse refused the credential or the value (`invalid`).');
const greenhouseDown = err('Greenhouse did not answer (`upstream_unavailable`).');

const tenantId = z.string().min(1);
const TenantParams = z.object({ tenantId });
const TenantModeParams = z.object({ tenantId, mode: IntegrationModeParam });
const TenantTestParams = z.object({ tenantId, testId: TestId });
const JourneyParams = z.object({ journeyId: z.string().min(1) });
const TokenParams = z.object({ token: note(z.string().min(1), 'The private token from the e-mail.') });

const page = (path: string) => expressPathToOpenApi(`${path}/:token`);
const pageResponses = (what: string) => ({
  200: html(what),
  404: html('Unknown, revoked or expired link.'),
});

// ---- the routes ----

const healthRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    tag: 'health',
    summary: 'Liveness',
    description: 'The process is alive (restart it if not).',
    security: 'none',
    responses: { 200: { description: 'Alive.', schema: R.HealthzResponse } },
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    tag: 'health',
    summary: 'Readiness',
    description: 'The database and Temporal answer (take the instance out of the load balancer if not).',
    security: 'none',
    responses: {
      200: { description: 'Ready.', schema: R.ReadyzResponse },
      503: { description: 'Not ready: `checks` names the part.', schema: R.ReadyzResponse },
    },
  }),
];

const docsRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/openapi.json',
    tag: 'docs',
    summary: 'This OpenAPI 3.1 document',
    security: 'none',
    responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
  }),
  defineRoute({
    method: 'get',
    path: '/docs',
    tag: 'docs',
    summary: 'The API reference as a page',
    security: 'none',
    responses: { 200: html('Every operation, grouped by audience.') },
  }),
];

const partnerApi: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/partner/list_tests',
    tag: 'partner',
    summary: 'List the tenant’s active tests',
    description: 'Greenhouse shows these to recruiters when they configure a job stage.',
    security: 'partner',
    responses: { 200: { description: 'The active tests.', schema: ListTestsResponseSchema }, ...partnerAuth },
  }),
  defineRoute({
    method: 'post',
    path: '/partner/send_test',
    tag: 'partner',
    summary: 'Send a test to a candidate',
    description: 'Starts a journey (idempotent per application and test) and answers its id.',
    security: 'partner',
    body: { schema: SendTestRequestSchema },
    responses: {
      200: {
        description: 'The journey’s id, Greenhouse’s `partner_interview_id`.',
        schema: SendTestResponseSchema,
      },
      400: invalidInput,
      ...partnerAuth,
      404: err('No such test in the tenant’s catalogue.'),
      422: err('The test is not active (`invalid`, field partner_test_id).'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/partner/test_status',
    tag: 'partner',
    summary: 'Status of a sent test',
    security: 'partner',
    query: TestStatusQuery,
    responses: {
      200: {
        description: 'The status, score and report link once complete.',
        schema: TestStatusResponseSchema,
      },
      400: invalidInput,
      ...partnerAuth,
      404: err('No such interview for this tenant.'),
    },
  }),
  defineRoute({
    method: 'post',
    path: '/partner/response_error',
    tag: 'partner',
    summary: 'Greenhouse could not accept one of our answers',
    description: 'Recorded for operators (GET /operator/tenants/{tenantId}/response-errors).',
    security: 'partner',
    body: { schema: ResponseErrorRequestSchema },
    responses: {
      200: { description: 'Recorded.', schema: ResponseErrorResponseSchema },
      400: invalidInput,
      ...partnerAuth,
    },
  }),
];

const webhookRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: expressPathToOpenApi(WEBHOOK_PATH),
    tag: 'webhooks',
    summary: 'Greenhouse webhook (one URL per tenant)',
    description:
      'Signed with the tenant’s webhook secret (`Signature: sha256 <hex HMAC of the raw body>`). ' +
      'Each Greenhouse-Event-ID is processed once; redeliveries answer 200 with `duplicate`. ' +
      'Unsupported actions and unreadable payloads are recorded and answered 200 (a 4xx would only make Greenhouse retry).',
    security: 'webhook',
    params: TenantParams,
    headers: z.object({
      'Greenhouse-Event-ID': note(
        z.string().optional(),
        'Deduplicates redeliveries (the body’s hash without it).',
      ),
    }),
    body: {
      schema: z.union([
        CandidateStageChangeSchema,
        HireCandidateSchema,
        RejectCandidateSchema,
        DeleteCandidateSchema,
        CandidateAnonymizedSchema,
        MergeCandidateSchema,
        PingSchema,
        note(z.looseObject({ action: z.string() }), 'Any other action: recorded and ignored.'),
      ]),
      description: 'Only the fields journeys act on are shown; the rest of Greenhouse’s payload is ignored.',
    },
    responses: {
      200: { description: 'Processed, ignored or a duplicate.', schema: R.WebhookAcceptedResponse },
      401: err('Bad or missing signature, unknown tenant or webhooks not enabled (`invalid_signature`).'),
      409: err('The same event is being processed right now (`in_progress`): retry later.'),
      413: err('The body is larger than 1 MB.'),
      503: err('Processing failed (`temporarily_unavailable`): Greenhouse redelivers.'),
    },
  }),
];

const oauthRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: AUTHORIZATION_CALLBACK_PATH,
    tag: 'oauth',
    summary: 'Greenhouse authorization callback',
    description:
      'Where Greenhouse sends the customer’s admin after consent (v3 authorization code). The one-time `state` authenticates it; the answer is a page.',
    security: 'none',
    query: AuthorizationCallbackQuery,
    responses: {
      200: html('Connected.'),
      400: html('Incomplete, unknown or expired link, or access not granted.'),
      502: html('Greenhouse did not answer.'),
    },
  }),
];

const tenantRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/operator/tenants',
    tag: 'operator: tenants',
    summary: 'Create a tenant',
    security: 'operator',
    body: { schema: CreateTenantBody },
    responses: {
      201: { description: 'Created.', schema: R.TenantSummary },
      400: invalidInput,
      ...operatorAuth,
      409: err('The slug is used by another tenant.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants',
    tag: 'operator: tenants',
    summary: 'List tenants',
    security: 'operator',
    query: z.object({ slug: CreateTenantBody.shape.slug.optional() }),
    responses: {
      200: { description: 'Up to 500 tenants, oldest first.', schema: R.TenantList },
      400: invalidInput,
      ...operatorAuth,
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}',
    tag: 'operator: tenants',
    summary: 'Describe a tenant',
    security: 'operator',
    params: TenantParams,
    responses: {
      200: { description: 'The tenant; no secret.', schema: R.TenantDescription },
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/settings',
    tag: 'operator: tenants',
    summary: 'Update mail branding, report visibility or the default grader',
    security: 'operator',
    params: TenantParams,
    body: { schema: TenantSettingsBody },
    responses: {
      200: { description: 'The settings now.', schema: R.TenantSettingsResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/greenhouse',
    tag: 'operator: connections',
    summary: 'Connect Greenhouse with a credential',
    description:
      'Harvest v3 client credentials or a v1 key; proved against Greenhouse before it is stored (encrypted).',
    security: 'operator',
    params: TenantParams,
    body: { schema: ConnectGreenhouseBody },
    responses: {
      200: { description: 'Connected.', schema: R.ConnectGreenhouseResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
      422: greenhouseRefused,
      502: greenhouseDown,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/greenhouse/authorization',
    tag: 'operator: connections',
    summary: 'Start the v3 authorization-code flow',
    description:
      'Returns the Greenhouse consent URL for the customer’s admin; the callback completes the connection.',
    security: 'operator',
    params: TenantParams,
    body: { schema: StartAuthorizationBody },
    responses: {
      201: { description: 'The consent URL.', schema: R.StartAuthorizationResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/greenhouse/permission-check',
    tag: 'operator: connections',
    summary: 'Check the credential’s permissions',
    description: 'Calls each Harvest endpoint the enabled modes need once; stores and returns the report.',
    security: 'operator',
    params: TenantParams,
    responses: {
      200: { description: 'The report.', schema: R.PermissionCheckResponse },
      ...operatorAuth,
      404: noTenant,
      409: notConnected,
      422: greenhouseRefused,
      502: greenhouseDown,
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}/greenhouse/users',
    tag: 'operator: connections',
    summary: 'List Greenhouse users',
    security: 'operator',
    params: TenantParams,
    responses: {
      200: { description: 'The users (candidates for the audit user).', schema: R.GreenhouseUserList },
      ...operatorAuth,
      404: noTenant,
      409: notConnected,
      422: greenhouseRefused,
      502: greenhouseDown,
    },
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/greenhouse/audit-user',
    tag: 'operator: connections',
    summary: 'Choose the audit user',
    description: 'The Greenhouse user our writes are made as (On-Behalf-Of for v1, `sub` for v3).',
    security: 'operator',
    params: TenantParams,
    body: { schema: AuditUserBody },
    responses: {
      200: { description: 'Saved, with warnings.', schema: R.AuditUserResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
      409: notConnected,
      422: err('The user does not exist, is deactivated or is not a Site Admin (v3).'),
      502: greenhouseDown,
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}/greenhouse/custom-fields',
    tag: 'operator: mappings',
    summary: 'List Greenhouse custom fields',
    security: 'operator',
    params: TenantParams,
    responses: {
      200: { description: 'Application and candidate custom fields.', schema: R.CustomFieldsResponse },
      ...operatorAuth,
      404: noTenant,
      409: notConnected,
      422: greenhouseRefused,
      502: greenhouseDown,
    },
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/custom-field-mappings',
    tag: 'operator: mappings',
    summary: 'Map result fields to custom fields',
    description: 'Replaces the mappings after checking each custom field can hold its value.',
    security: 'operator',
    params: TenantParams,
    body: { schema: CustomFieldMappingsBody },
    responses: {
      200: { description: 'The mappings now.', schema: R.CustomFieldMappingsResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
      409: notConnected,
      422: err('No such custom field, or it cannot hold the value (`error.field` names the mapping).'),
      502: greenhouseDown,
    },
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/job-test-mappings',
    tag: 'operator: mappings',
    summary: 'Map jobs to tests (vendor invites)',
    security: 'operator',
    params: TenantParams,
    body: { schema: JobTestMappingsBody },
    responses: {
      200: { description: 'The mappings now.', schema: R.JobTestMappingsResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/stage-test-mappings',
    tag: 'operator: mappings',
    summary: 'Map job stages to tests (webhook trigger)',
    security: 'operator',
    params: TenantParams,
    body: { schema: StageTestMappingsBody },
    responses: {
      200: { description: 'The mappings now.', schema: R.StageTestMappingsResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/modes/{mode}/activate',
    tag: 'operator: modes',
    summary: 'Activate an integration mode',
    description:
      'Issues the partner API key (greenhouse_invite) or webhook secret (webhook_trigger) on first activation or with `rotate`; shown once.',
    security: 'operator',
    params: TenantModeParams,
    body: { schema: ActivateModeBody, required: false },
    responses: {
      200: { description: 'Active; any key or secret issued now.', schema: R.ActivateModeResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
      409: err('The mode needs a working Greenhouse connection first (`precondition`).'),
      422: err('callbackCredential only applies to greenhouse_invite.'),
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/modes/{mode}/deactivate',
    tag: 'operator: modes',
    summary: 'Deactivate an integration mode',
    security: 'operator',
    params: TenantModeParams,
    responses: {
      200: { description: 'Inactive.', schema: R.DeactivateModeResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
    },
  }),
];

const noTest = err('No such tenant, test or version (`not_found`).');
const testRoutes: RouteSpec[] = [
  defineRoute({
    method: 'put',
    path: '/operator/tenants/{tenantId}/tests/{testId}',
    tag: 'operator: tests',
    summary: 'Define a test or reference-check template (new version when changed)',
    description:
      'The body is the definition; its `testId` may be left out, or must equal the path’s. `kind: "reference_check"` makes it a reference-check template. Same content as the current version: that version, `created: false`.',
    security: 'operator',
    params: TenantTestParams,
    body: { schema: z.union([TestDefinition, ReferenceCheckTemplate]) },
    responses: {
      201: { description: 'A new test (version 1).', schema: R.PutTestResponse },
      200: { description: 'A new version, or the current one unchanged.', schema: R.PutTestResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
      409: err('The id belongs to the other kind (test vs reference check), or a concurrent change.'),
      422: err('The definition is invalid (`error.field` names the path).'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}/tests',
    tag: 'operator: tests',
    summary: 'List the catalogue',
    security: 'operator',
    params: TenantParams,
    query: TestListQuery,
    responses: {
      200: { description: 'Tests and templates, by testId.', schema: R.TestSummaryList },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}/tests/{testId}',
    tag: 'operator: tests',
    summary: 'Read one version of a test or template',
    security: 'operator',
    params: TenantTestParams,
    query: TestVersionQuery,
    responses: {
      200: { description: 'The version with its definition.', schema: R.CatalogueEntry },
      400: invalidInput,
      ...operatorAuth,
      404: noTest,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/tests/{testId}/deactivate',
    tag: 'operator: tests',
    summary: 'Take a test out of list_tests and new invites',
    description: 'Running journeys keep their version.',
    security: 'operator',
    params: TenantTestParams,
    responses: {
      200: { description: 'Inactive.', schema: R.TestActiveResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTest,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/tests/{testId}/activate',
    tag: 'operator: tests',
    summary: 'Put a test back into the catalogue',
    security: 'operator',
    params: TenantTestParams,
    responses: {
      200: { description: 'Active.', schema: R.TestActiveResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTest,
    },
  }),
];

const journeyRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/operator/tenants/{tenantId}/invites',
    tag: 'operator: invites',
    summary: 'Invite a candidate from the vendor platform',
    description:
      'Starts a journey without an application: the workflow finds it through Harvest by e-mail and job. Idempotent: the same e-mail, job and test return the same journey.',
    security: 'operator',
    params: TenantParams,
    body: { schema: InviteBody },
    responses: {
      201: { description: 'A journey started.', schema: R.InviteResponse },
      200: { description: 'The journey already started for this invite.', schema: R.InviteResponse },
      400: invalidInput,
      ...operatorAuth,
      404: noTenant,
      409: err('The vendor_invite mode is not active (`precondition`).'),
      422: err('No test given and the job is not mapped, or the test is unknown or inactive.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/journeys/{journeyId}',
    tag: 'operator: journeys',
    summary: 'Read a journey',
    description: 'From the read model (no Temporal round trip); reference checks list their referees.',
    security: 'operator',
    params: JourneyParams,
    responses: {
      200: { description: 'The journey.', schema: R.JourneyWithReferees },
      ...operatorAuth,
      404: err('No such journey.'),
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/journeys/{journeyId}/force-complete',
    tag: 'operator: journeys',
    summary: 'Complete a reference check now',
    description: 'With the answers that have arrived (partial below the quorum).',
    security: 'operator',
    params: JourneyParams,
    body: { schema: ForceCompleteBody },
    responses: {
      200: { description: 'Completing.', schema: R.ForceCompleteResponse },
      400: invalidInput,
      ...operatorAuth,
      404: err('No such journey.'),
      409: err('Not a reference check, or already finished (`conflict`).'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/operator/tenants/{tenantId}/response-errors',
    tag: 'operator: response errors',
    summary: 'Answers of ours Greenhouse could not accept',
    security: 'operator',
    params: TenantParams,
    responses: {
      200: { description: 'The last 200, newest first.', schema: R.PartnerResponseErrorList },
      ...operatorAuth,
      404: noTenant,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/probes',
    tag: 'operator: probes',
    summary: 'Start a probe journey',
    description: 'Proves API → Temporal → worker → database. Idempotent per Idempotency-Key.',
    security: 'operator',
    headers: ProbeHeaders,
    body: { schema: StartProbeBody, required: false },
    responses: {
      202: { description: 'Started (or already running).', schema: R.StartProbeResponse },
      400: invalidInput,
      ...operatorAuth,
    },
  }),
  defineRoute({
    method: 'post',
    path: '/operator/probes/{journeyId}/complete',
    tag: 'operator: probes',
    summary: 'Complete a probe journey',
    security: 'operator',
    params: JourneyParams,
    body: { schema: CompleteProbeBody },
    responses: {
      200: { description: 'The probe’s state.', schema: R.ProbeState },
      400: invalidInput,
      ...operatorAuth,
      404: err('No running probe journey with this id.'),
      409: err('The probe refused the update (already finished).'),
    },
  }),
];

const form = 'application/x-www-form-urlencoded';
const pageRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: page(pagePath.take_test),
    tag: 'pages',
    summary: 'Candidate: the test',
    description: 'Opening the page counts as starting (the recruiter sees in_progress).',
    security: 'link',
    params: TokenParams,
    responses: pageResponses('The questions as a form, or why the test is closed.'),
  }),
  defineRoute({
    method: 'post',
    path: page(pagePath.take_test),
    tag: 'pages',
    summary: 'Candidate: submit answers',
    security: 'link',
    params: TokenParams,
    body: { schema: TakeTestForm, contentType: form },
    responses: {
      ...pageResponses('Thank you.'),
      400: html('The form again, with the message and everything typed.'),
      409: html('The test is closed.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: page(pagePath.grade),
    tag: 'pages',
    summary: 'Grader: answers awaiting a grade',
    security: 'link',
    params: TokenParams,
    responses: pageResponses('The free-text answers with the rubric, or why there is nothing to grade.'),
  }),
  defineRoute({
    method: 'post',
    path: page(pagePath.grade),
    tag: 'pages',
    summary: 'Grader: submit grades',
    security: 'link',
    params: TokenParams,
    body: { schema: GradeForm, contentType: form },
    responses: {
      ...pageResponses('Thank you.'),
      400: html('The form again, with the messages.'),
      409: html('Already graded or closed.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: page(pagePath.report),
    tag: 'pages',
    summary: 'Recruiter: the PDF report',
    description: 'Greenhouse’s `partner_profile_url`.',
    security: 'link',
    params: TokenParams,
    responses: {
      200: { description: 'The report, inline.', contentType: 'application/pdf' },
      404: html('Unknown link, or the report is not ready yet.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: page(pagePath.nominate),
    tag: 'pages',
    summary: 'Candidate: name referees',
    security: 'link',
    params: TokenParams,
    responses: pageResponses('What the check asks for, the referees named so far, rows to fill in.'),
  }),
  defineRoute({
    method: 'post',
    path: page(pagePath.nominate),
    tag: 'pages',
    summary: 'Candidate: submit referees',
    security: 'link',
    params: TokenParams,
    body: { schema: NominationForm, contentType: form },
    responses: {
      ...pageResponses('Thank you.'),
      400: html('The form again, with the messages per row.'),
      409: html('The reference check is closed.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: page(pagePath.reference),
    tag: 'pages',
    summary: 'Referee: the questionnaire',
    security: 'link',
    params: TokenParams,
    responses: pageResponses('The questions, and a way to decline.'),
  }),
  defineRoute({
    method: 'post',
    path: page(pagePath.reference),
    tag: 'pages',
    summary: 'Referee: answer or decline',
    security: 'link',
    params: TokenParams,
    body: { schema: ReferenceForm, contentType: form },
    responses: {
      ...pageResponses('Thank you.'),
      400: html('The form again, with the messages.'),
      409: html('The request is closed.'),
    },
  }),
  defineRoute({
    method: 'get',
    path: '/outbox',
    tag: 'pages',
    summary: 'Operator: the local mail outbox',
    description:
      'The last 200 mails the outbox transport stored instead of sending. The operator key as Bearer, or as the password of HTTP Basic (browsers).',
    security: 'operator',
    responses: {
      200: html('The mails, newest first.'),
      401: html('Operator key required (`WWW-Authenticate: Basic`).'),
      503: html('No operator key is configured.'),
    },
  }),
];

/** Every documented route. Others append (or call registerRoutes) when they add routes. */
export const routes: RouteSpec[] = [
  ...healthRoutes,
  ...docsRoutes,
  ...oauthRoutes,
  ...partnerApi,
  ...webhookRoutes,
  ...tenantRoutes,
  ...testRoutes,
  ...journeyRoutes,
  ...pageRoutes,
  ...operatorSurfaceRoutes,
];

/** Adds entries (e.g. from a module that owns new routes); the document is built from `routes`. */
export function registerRoutes(...more: RouteSpec[]): void {
  routes.push(...more);
}
