import { z } from 'zod';
import { TestId } from '../../domain/assessments/definition.js';
import { IntegrationModeParam } from '../../tenants/schemas.js';
import { note, type ResponseSpec, type RouteSpec } from './registry.js';
import { ErrorBodySchema } from './responses.js';

/** Pieces many route declarations share: error answers, auth failures, path parameters. */

export const err = (description: string): ResponseSpec => ({ description, schema: ErrorBodySchema });
export const htmlPage = (description: string): ResponseSpec => ({ description, contentType: 'text/html' });
export const invalidInput = err(
  'Invalid input: `error.field` names the first wrong field (`invalid_input`, `invalid_json`).',
);
export const operatorAuth = {
  401: err('No, wrong or revoked operator key (`unauthorized`).'),
  403: err('The key’s role (support vs admin) or tenant scope does not allow this (`forbidden`).'),
};
export const partnerAuth = {
  401: err('No, malformed or unknown partner API key (`WWW-Authenticate: Basic`).'),
};
/** A body described in words only (its router keeps the schema private). */
export const loose = (description: string) => note(z.looseObject({}), description);
export const noTest = err('No such tenant, test or version (`not_found`).');
export const noTenant = err('No such tenant (`not_found`).');
export const notConnected = err('The tenant is not connected to Greenhouse yet (`precondition`).');
export const greenhouseRefused = err('Greenhouse refused the credential or the value (`invalid`).');
export const greenhouseDown = err('Greenhouse did not answer (`upstream_unavailable`).');

const tenantId = z.string().min(1);
export const TenantParams = z.object({ tenantId });
export const TenantModeParams = z.object({ tenantId, mode: IntegrationModeParam });
export const TenantTestParams = z.object({ tenantId, testId: TestId });
export const JourneyParams = z.object({ journeyId: z.string().min(1) });
export const TokenParams = z.object({
  token: note(z.string().min(1), 'The private token from the e-mail.'),
});

/** A people's page: the HTML answers every link page shares. */
export const pageResponses = (what: string) => ({
  200: htmlPage(what),
  404: htmlPage('Unknown, revoked or expired link.'),
});
export const formContentType = 'application/x-www-form-urlencoded';
/** A form field's value: one string, or several for a repeated name. */
export const formValue = z.union([z.string(), z.array(z.string())]);

/** A people's page opened by its private link (`<page>/:token`): GET shows it. */
export const linkPageView = (
  page: string,
  summary: string,
  shows: string,
  description?: string,
): RouteSpec => ({
  method: 'get',
  path: `${page}/:token`,
  tag: 'pages',
  summary,
  ...(description ? { description } : {}),
  security: 'link',
  params: TokenParams,
  responses: pageResponses(shows),
});

/** …and POST takes its form: thanks, the form again with the messages, or the page is closed. */
export const linkPageForm = (
  page: string,
  summary: string,
  form: z.ZodType,
  answers: { invalid: string; closed: string },
): RouteSpec => ({
  method: 'post',
  path: `${page}/:token`,
  tag: 'pages',
  summary,
  security: 'link',
  params: TokenParams,
  body: { schema: form, contentType: formContentType },
  responses: {
    ...pageResponses('Thank you.'),
    400: htmlPage(answers.invalid),
    409: htmlPage(answers.closed),
  },
});
