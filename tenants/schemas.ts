import { z } from 'zod';
import { ResultField } from '../domain/result-fields.js';
import { TenantBranding } from '../mail/branding.js';
import ipaddr from 'ipaddr.js';
import { HOST_PATTERN } from '../greenhouse/callback/url-policy.js';

/** Request bodies of the operator's tenant and connection API. */
const id = z.union([
  z.string().regex(/^\d{1,20}$/, 'must be a Greenhouse id (digits)'),
  z.number().int().positive(),
]);
export const GreenhouseId = id.transform(String);

export const CreateTenantBody = z.strictObject({
  slug: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,62}$/,
      'must be 2-63 lowercase letters, digits or dashes, starting with a letter or digit',
    ),
  name: z.string().trim().min(1).max(200),
});

const host = z
  .string()
  .trim()
  .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as app3.greenhouse.io');
const baseUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const ConnectGreenhouseBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('v3_client_credentials'),
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().min(1).max(2000),
    auditUserId: GreenhouseId,
    greenhouseHost: host,
    harvestBaseUrl: baseUrl.default('https://harvest.greenhouse.io'),
    authBaseUrl: baseUrl.default('https://auth.greenhouse.io'),
  }),
  z.strictObject({
    kind: z.literal('v1_key'),
    apiKey: z.string().min(1).max(500),
    auditUserId: GreenhouseId.optional(),
    greenhouseHost: host,
    harvestBaseUrl: baseUrl.default('https://harvest.greenhouse.io'),
  }),
]);
export type ConnectGreenhouseBody = z.infer<typeof ConnectGreenhouseBody>;

export const AuditUserBody = z.strictObject({ userId: GreenhouseId });

export const CustomFieldMappingsBody = z.strictObject({
  mappings: z
    .array(
      z.strictObject({
        resultField: ResultField,
        scope: z.enum(['application', 'candidate']),
        customFieldId: GreenhouseId,
      }),
    )
    .max(20)
    .refine(
      (list) => new Set(list.map((m) => m.resultField)).size === list.length,
      'each result field at most once',
    ),
});

const testId = z.string().trim().min(1).max(100);
export const JobTestMappingsBody = z.strictObject({
  mappings: z
    .array(
      z.strictObject({
        jobId: GreenhouseId,
        testId,
        /** Optional: move the application to these stages on pass / fail. */
        passStageId: GreenhouseId.optional(),
        failStageId: GreenhouseId.optional(),
      }),
    )
    .max(5000)
    .refine((list) => new Set(list.map((m) => m.jobId)).size === list.length, 'each job at most once'),
});
export const StageTestMappingsBody = z.strictObject({
  mappings: z
    .array(z.strictObject({ jobId: GreenhouseId, stageId: GreenhouseId, testId }))
    .max(5000)
    .refine((list) => new Set(list.map((m) => m.stageId)).size === list.length, 'each stage at most once'),
});

export const IntegrationModeParam = z.enum(['greenhouse_invite', 'vendor_invite', 'webhook_trigger']);
export type IntegrationModeParam = z.infer<typeof IntegrationModeParam>;

export const ActivateModeBody = z.strictObject({
  /** greenhouse_invite: the credential Greenhouse gave for the completion PATCH. */
  callbackCredential: z.string().min(1).max(500).optional(),
  /** Issue a new partner key / webhook secret even if one exists (the old one stops working). */
  rotate: z.boolean().default(false),
});

export const StartAuthorizationBody = z.strictObject({
  clientId: z.string().trim().min(1).max(500),
  clientSecret: z.string().min(1).max(2000),
  greenhouseHost: host,
  harvestBaseUrl: baseUrl.default('https://harvest.greenhouse.io'),
  authBaseUrl: baseUrl.default('https://auth.greenhouse.io'),
  /** Harvest v3 scopes to ask consent for (default: what greenroom's modes use). */
  scopes: z
    .array(z.string().regex(/^harvest:[a-z_]+:[a-z_]+$/, 'must look like harvest:<resource>:<action>'))
    .min(1)
    .max(100)
    .optional(),
});

export const AuthorizationCallbackQuery = z.object({
  state: z.string().min(10).max(200),
  code: z.string().min(1).max(2000).optional(),
  error: z.string().max(200).optional(),
});

export const TenantSettingsBody = z
  .strictObject({
    branding: TenantBranding.optional(),
    reportVisibility: z.enum(['public', 'private', 'admin_only']).optional(),
    defaultGraderEmail: z.email({ error: 'must be an e-mail address' }).nullable().optional(),
    /** The tenant's Greenhouse hosts for the completion callback; null → Greenhouse's app hosts. */
    callbackHosts: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .max(253)
          .refine((h) => HOST_PATTERN.test(h.replace(/<n>/g, '<N>')), {
            error: 'must be a host name such as app3.greenhouse.io (`<N>` for any digits)',
          })
          .refine((h) => !ipaddr.isValid(h), { error: 'must be a host name, not an IP address' }),
      )
      .min(1)
      .max(20)
      .nullable()
      .optional(),
    /** Days an old partner key stays valid after a rotation (unless the new key is used first). */
    partnerKeyOverlapDays: z.number().int().min(0).max(365).optional(),
    /** Days a recruiter's report link opens the report (Greenhouse's partner_profile_url); default 90. */
    reportLinkLifetimeDays: z.number().int().min(1).max(3650).optional(),

    /** Days after a journey ended until its personal data is erased (journeys/retention.ts). */
    retentionDays: z.number().int().min(1).max(3650).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'give at least one setting');
