import { randomBytes } from 'node:crypto';
import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import { ServiceError } from '../domain/errors.js';
import { mappingProblem, type CustomFieldDefinition } from '../domain/result-fields.js';
import type { SecretBox } from '../security/secret-box.js';
import { generateToken, hashToken } from '../security/tokens.js';
import { MemoryTokenStore, V3AuthorizationCodeAuth } from '../greenhouse/harvest/auth.js';
import { isHarvestError } from '../greenhouse/harvest/errors.js';
import { credentialsOf as decryptCredentials, secretPurpose, type StoredConnection } from './credentials.js';
import { refreshTokenAad } from './token-store.js';
import { tenantCallbackHosts } from './callback-hosts.js';
import { matchPartnerKey, rotatedKeyFields } from './partner-keys.js';
import type { ConnectionUpkeep } from './connection-upkeep.js';
import { RETIRED_V1_REASON } from './credential-refusal.js';
import { GREENROOM_V3_SCOPES } from '../greenhouse/harvest/scopes.js';
import {
  capabilitiesByMode,
  CredentialRejectedError,
  type Capability,
  type ConnectionCredentials,
  type GreenhouseGateway,
  type PermissionReport,
} from './greenhouse-gateway.js';
import type {
  ActivateModeBody,
  ConnectGreenhouseBody,
  CustomFieldMappingsBody,
  StartAuthorizationBody,
  IntegrationModeParam,
  JobTestMappingsBody,
  StageTestMappingsBody,
  TenantSettingsBody,
} from './schemas.js';
import type { z } from 'zod';

export interface ConnectionDeps {
  db: Database;
  secrets: SecretBox;
  gateway: GreenhouseGateway;
  /** Our public address: Greenhouse redirects the consenting admin back to it. */
  publicBaseUrl: string;
  fetch?: typeof fetch;
  /** After a (re)connect: the token refresh Schedule and the waiting journeys (tenants/connection-upkeep.ts). */
  upkeep?: ConnectionUpkeep;
}

/** Said to the operator whenever a v1 key is still accepted. */
export const V1_RETIREMENT_WARNING =
  'Harvest v1 was retired by Greenhouse on 2026-08-31: this key still answers today but may stop at any moment. Reconnect this customer on Harvest v3 (authorization code for partners: POST /operator/tenants/<id>/greenhouse/authorization).';

/** How long an operator-started consent may take before its state expires. */
const AUTHORIZATION_TTL_MS = 30 * 60_000;
export const AUTHORIZATION_CALLBACK_PATH = '/oauth/greenhouse/callback';

const aad = secretPurpose;

/**
 * Trades the consent code for the first tokens with the Harvest client's own token logic (same
 * errors, no secrets in messages), kept in memory until the connection row is written.
 */
async function exchangeCode(
  fetchFn: typeof fetch,
  pending: { clientId: string; authBaseUrl: string; redirectUri: string },
  clientSecret: string,
  code: string,
) {
  const tokenStore = new MemoryTokenStore();
  const auth = new V3AuthorizationCodeAuth({
    tokenUrl: `${pending.authBaseUrl.replace(/\/$/, '')}/token`,
    clientId: pending.clientId,
    clientSecret,
    tokenStore,
    fetch: fetchFn,
    timeoutMs: 15_000,
  });
  try {
    await auth.exchangeCode(code, pending.redirectUri);
  } catch (err) {
    if (!isHarvestError(err)) throw err;
    if (err.retryable) {
      throw new ServiceError(
        'upstream_unavailable',
        `Greenhouse could not complete the authorization: ${err.message}`,
      );
    }
    throw new ServiceError('invalid', `Greenhouse refused the authorization code: ${err.message}`, 'code');
  }
  const stored = (await tokenStore.load())!;
  return { sub: stored.accessToken ? subjectOf(stored.accessToken) : null, stored };
}

/** The consenting user's id from the access token (a JWT from Greenhouse over TLS; read, not verified). */
function subjectOf(jwt: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    return payload.sub === undefined || payload.sub === null ? null : String(payload.sub);
  } catch {
    return null;
  }
}

/**
 * The operator's set-up flow for one customer (tenant): create, connect Greenhouse, check
 * permissions, choose the audit user, map custom fields, jobs and stages, activate modes.
 * Every step validates fully before it writes, and writes in one statement or transaction.
 */
export function createConnectionService({
  db,
  secrets,
  gateway,
  publicBaseUrl,
  fetch = globalThis.fetch,
  upkeep,
}: ConnectionDeps) {
  async function requireTenant(tenantId: string) {
    const tenant = await db.tenant.findUnique({
      where: { id: tenantId },
      include: { greenhouseConnection: true, modes: true },
    });
    if (!tenant) throw new ServiceError('not_found', `no tenant ${tenantId}`);
    return tenant;
  }

  async function requireConnection(tenantId: string) {
    const tenant = await requireTenant(tenantId);
    if (!tenant.greenhouseConnection) {
      throw new ServiceError('precondition', `tenant ${tenantId} is not connected to Greenhouse yet`);
    }
    return { tenant, connection: tenant.greenhouseConnection };
  }

  const credentialsOf = (connection: StoredConnection) => decryptCredentials(db, secrets, connection);

  /** Runs a Greenhouse call; a rejected credential marks the tenant disconnected, with the reason. */
  async function withGreenhouse<T>(tenantId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof CredentialRejectedError) await markDisconnected(db, tenantId, err.message);
      throw err;
    }
  }

  return {
    credentialsOf,

    async createTenant(body: { slug: string; name: string }) {
      try {
        return await db.tenant.create({
          data: { id: `ten_${randomBytes(8).toString('hex')}`, slug: body.slug, name: body.name },
          select: { id: true, slug: true, name: true, status: true, createdAt: true },
        });
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          throw new ServiceError(
            'conflict',
            `the slug ${body.slug} is already used by another tenant`,
            'slug',
          );
        }
        throw err;
      }
    },

    /** Mail branding and the report's visibility in Greenhouse. */
    async updateSettings(tenantId: string, body: z.infer<typeof TenantSettingsBody>) {
      await requireTenant(tenantId);
      const updated = await db.tenant.update({
        where: { id: tenantId },
        data: {
          ...(body.branding ? { branding: body.branding as Prisma.InputJsonValue } : {}),
          ...(body.reportVisibility ? { reportVisibility: body.reportVisibility } : {}),
          ...(body.defaultGraderEmail !== undefined ? { defaultGraderEmail: body.defaultGraderEmail } : {}),
          ...(body.callbackHosts !== undefined ? { callbackHosts: body.callbackHosts ?? [] } : {}),
          ...(body.partnerKeyOverlapDays !== undefined
            ? { partnerKeyOverlapDays: body.partnerKeyOverlapDays }
            : {}),
        },
        select: {
          branding: true,
          reportVisibility: true,
          defaultGraderEmail: true,
          callbackHosts: true,
          partnerKeyOverlapDays: true,
        },
      });
      return { ...updated, callbackHosts: tenantCallbackHosts(updated) };
    },

    /** Tenants, optionally one by slug; ids, names and states only. */
    async listTenants(filter: { slug?: string | undefined } = {}) {
      return db.tenant.findMany({
        where: filter.slug ? { slug: filter.slug } : {},
        select: { id: true, slug: true, name: true, status: true, createdAt: true },
        orderBy: { createdAt: 'asc' },
        take: 500,
      });
    },

    /** The tenant as operators see it: no secret, ever. */
    async describeTenant(tenantId: string) {
      const tenant = await db.tenant.findUnique({
        where: { id: tenantId },
        include: {
          greenhouseConnection: true,
          modes: true,
          customFieldMappings: true,
          jobTestMappings: true,
          stageTestMappings: true,
        },
      });
      if (!tenant) throw new ServiceError('not_found', `no tenant ${tenantId}`);
      const c = tenant.greenhouseConnection;
      return {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        status: tenant.status,
        greenhouse: c && {
          authKind: c.authKind,
          greenhouseHost: c.greenhouseHost,
          harvestBaseUrl: c.harvestBaseUrl,
          clientId: c.clientId,
          auditUserId: c.auditUserId,
          status: c.status,
          statusReason: c.statusReason,
          permissionReport: c.permissionReport,
          checkedAt: c.checkedAt,
          tokensRefreshedAt: c.tokensRefreshedAt,
          refreshTokenExpiresAt: c.refreshTokenExpiresAt,
        },
        modes: tenant.modes.map((m) => ({
          mode: m.mode,
          active: m.active,
          hasPartnerKey: m.partnerKeyHash !== null,
          previousPartnerKeyValidUntil: m.previousPartnerKeyHash ? m.previousPartnerKeyValidUntil : null,
          hasCallbackCredential: m.callbackCredentialCiphertext !== null,
          hasWebhookSecret: m.webhookSecretCiphertext !== null,
          activatedAt: m.activatedAt,
        })),
        customFieldMappings: tenant.customFieldMappings.map(
          ({ resultField, scope, customFieldId, valueType, fieldName }) => ({
            resultField,
            scope,
            customFieldId,
            valueType,
            fieldName,
          }),
        ),
        jobTestMappings: tenant.jobTestMappings.map(({ jobId, testId, passStageId, failStageId }) => ({
          jobId,
          testId,
          passStageId,
          failStageId,
        })),
        branding: tenant.branding,
        reportVisibility: tenant.reportVisibility,
        defaultGraderEmail: tenant.defaultGraderEmail,
        callbackHosts: tenantCallbackHosts(tenant),
        partnerKeyOverlapDays: tenant.partnerKeyOverlapDays,
        stageTestMappings: tenant.stageTestMappings.map(({ jobId, stageId, testId }) => ({
          jobId,
          stageId,
          testId,
        })),
      };
    },

    /** Connects (or reconnects) Greenhouse: proves the credential first, then stores it encrypted. */
    async connectGreenhouse(tenantId: string, body: ConnectGreenhouseBody) {
      await requireTenant(tenantId);
      const credentials: ConnectionCredentials =
        body.kind === 'v1_key'
          ? {
              kind: 'v1_key',
              harvestBaseUrl: body.harvestBaseUrl,
              apiKey: body.apiKey,
              auditUserId: body.auditUserId ?? null,
            }
          : {
              kind: 'v3_client_credentials',
              harvestBaseUrl: body.harvestBaseUrl,
              authBaseUrl: body.authBaseUrl,
              clientId: body.clientId,
              clientSecret: body.clientSecret,
              auditUserId: body.auditUserId,
            };
      // Nothing is saved unless Greenhouse accepts it. A v1 key is a probe: v1 is retired.
      await gateway.verify(credentials).catch((err: unknown) => {
        if (body.kind === 'v1_key' && err instanceof CredentialRejectedError && err.retired)
          throw new ServiceError(
            'invalid',
            `${RETIRED_V1_REASON}. Start the v3 consent with POST /operator/tenants/${tenantId}/greenhouse/authorization.`,
            'kind',
          );
        throw err;
      });
      const secret = body.kind === 'v1_key' ? body.apiKey : body.clientSecret;
      const data = {
        authKind: body.kind,
        greenhouseHost: body.greenhouseHost,
        harvestBaseUrl: body.harvestBaseUrl,
        authBaseUrl: body.kind === 'v1_key' ? null : body.authBaseUrl,
        clientId: body.kind === 'v1_key' ? null : body.clientId,
        secretCiphertext: secrets.encrypt(secret, aad.harvestSecret(tenantId)),
        refreshTokenCiphertext: null,
        auditUserId: body.auditUserId ?? null,
        status: 'connected' as const,
        statusReason: null,
      };
      await db.$transaction([
        db.greenhouseConnection.upsert({ where: { tenantId }, create: { tenantId, ...data }, update: data }),
        db.tenant.update({ where: { id: tenantId }, data: { status: 'active' } }),
      ]);
      const after = upkeep ? await upkeep.connected(tenantId, body.kind) : { resumed: 0, warnings: [] };
      const warnings = [...(body.kind === 'v1_key' ? [V1_RETIREMENT_WARNING] : []), ...after.warnings];
      return { connected: true, authKind: body.kind, resumedJourneys: after.resumed, warnings };
    },

    /**
     * Starts the v3 authorization-code flow: returns the Greenhouse consent URL for the customer's
     * admin. The client secret waits, encrypted, until the callback; the state is kept as a hash.
     */
    async startAuthorization(tenantId: string, body: z.infer<typeof StartAuthorizationBody>) {
      await requireTenant(tenantId);
      const state = generateToken('grst');
      const redirectUri = `${publicBaseUrl}${AUTHORIZATION_CALLBACK_PATH}`;
      const expiresAt = new Date(Date.now() + AUTHORIZATION_TTL_MS);
      await db.greenhouseAuthorization.create({
        data: {
          stateHash: hashToken(state),
          tenantId,
          clientId: body.clientId,
          secretCiphertext: secrets.encrypt(body.clientSecret, aad.pendingSecret(state)),
          greenhouseHost: body.greenhouseHost,
          harvestBaseUrl: body.harvestBaseUrl,
          authBaseUrl: body.authBaseUrl,
          redirectUri,
          expiresAt,
        },
      });
      const url = new URL(`${body.authBaseUrl.replace(/\/$/, '')}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: body.clientId,
        redirect_uri: redirectUri,
        // Greenhouse's consent needs the scopes, space-separated.
        scope: (body.scopes ?? GREENROOM_V3_SCOPES).join(' '),
        state,
      }).toString();
      return { authorizeUrl: url.toString(), redirectUri, expiresAt };
    },

    /** The consent came back: trade the code for tokens, store them encrypted, connect the tenant. */
    async completeAuthorization(query: {
      state: string;
      code?: string | undefined;
      error?: string | undefined;
    }) {
      const pending = await db.greenhouseAuthorization.findUnique({
        where: { stateHash: hashToken(query.state) },
      });
      if (!pending || pending.expiresAt.getTime() < Date.now()) {
        throw new ServiceError(
          'invalid',
          'this Greenhouse authorization link is unknown or has expired: start again',
          'state',
        );
      }
      // One use only, whatever happens next.
      await db.greenhouseAuthorization.delete({ where: { stateHash: pending.stateHash } });
      if (query.error || !query.code) {
        throw new ServiceError(
          'invalid',
          `Greenhouse did not grant access (${query.error ?? 'no code'})`,
          'code',
        );
      }
      const clientSecret = secrets.decrypt(pending.secretCiphertext, aad.pendingSecret(query.state));
      const tokens = await exchangeCode(fetch, pending, clientSecret, query.code);
      const tenantId = pending.tenantId;
      const data = {
        authKind: 'v3_authorization_code' as const,
        greenhouseHost: pending.greenhouseHost,
        harvestBaseUrl: pending.harvestBaseUrl,
        authBaseUrl: pending.authBaseUrl,
        clientId: pending.clientId,
        secretCiphertext: secrets.encrypt(clientSecret, aad.harvestSecret(tenantId)),
        refreshTokenCiphertext: secrets.encrypt(JSON.stringify(tokens.stored), refreshTokenAad(tenantId)),
        auditUserId: tokens.sub,
        status: 'connected' as const,
        statusReason: null,
      };
      await db.$transaction([
        db.greenhouseConnection.upsert({ where: { tenantId }, create: { tenantId, ...data }, update: data }),
        db.tenant.update({ where: { id: tenantId }, data: { status: 'active' } }),
      ]);
      const tenant = await db.tenant.findUniqueOrThrow({
        where: { id: tenantId },
        select: { id: true, name: true },
      });
      const after = upkeep
        ? await upkeep.connected(tenantId, 'v3_authorization_code')
        : { resumed: 0, warnings: [] };
      return {
        tenantId: tenant.id,
        tenantName: tenant.name,
        auditUserId: tokens.sub,
        resumedJourneys: after.resumed,
        warnings: after.warnings,
      };
    },

    /** Calls each endpoint the enabled modes need once; stores and returns the report. */
    async checkPermissions(
      tenantId: string,
    ): Promise<
      PermissionReport & { checkedModes: string[]; applicationCustomFieldsAvailable: boolean | null }
    > {
      const { tenant, connection } = await requireConnection(tenantId);
      const active = tenant.modes.filter((m) => m.active).map((m) => m.mode);
      const modes = active.length ? active : (Object.keys(capabilitiesByMode) as IntegrationModeParam[]);
      const needs = [...new Set(modes.flatMap((m) => capabilitiesByMode[m]))] as Capability[];
      const credentials = credentialsOf(connection);
      // A refused credential disconnects the tenant; a missing permission only shows in the report.
      await withGreenhouse(tenantId, () => gateway.verify(credentials)).catch((err: unknown) => {
        if (err instanceof CredentialRejectedError) throw err;
      });
      const report = await withGreenhouse(tenantId, () => gateway.checkPermissions(credentials, needs));
      await db.greenhouseConnection.update({
        where: { tenantId },
        data: { permissionReport: report as unknown as Prisma.InputJsonValue, checkedAt: new Date() },
      });
      return {
        ...report,
        checkedModes: modes,
        applicationCustomFieldsAvailable: report.applicationCustomFields.available,
      };
    },

    async listUsers(tenantId: string) {
      const { connection } = await requireConnection(tenantId);
      return withGreenhouse(tenantId, () => gateway.listUsers(credentialsOf(connection)));
    },

    /** Chooses the Greenhouse user our writes are made as; warns when attachments may be refused. */
    async setAuditUser(tenantId: string, userId: string) {
      const { connection } = await requireConnection(tenantId);
      const users = await withGreenhouse(tenantId, () => gateway.listUsers(credentialsOf(connection)));
      const user = users.find((u) => u.id === userId);
      if (!user)
        throw new ServiceError('invalid', `audit user ${userId} does not exist in Greenhouse`, 'userId');
      if (user.disabled)
        throw new ServiceError('invalid', `audit user ${userId} is deactivated in Greenhouse`, 'userId');
      if (connection.authKind !== 'v1_key' && !user.siteAdmin) {
        throw new ServiceError(
          'invalid',
          `${user.name} is not a Site Admin: Harvest v3 needs a Site Admin as the audit user (sub) to list records`,
          'userId',
        );
      }
      if (connection.authKind !== 'v1_key') {
        // The v3 `sub` is baked into tokens: prove Greenhouse issues one for this user before saving.
        await withGreenhouse(tenantId, () =>
          gateway.verify({ ...credentialsOf(connection), auditUserId: userId } as ConnectionCredentials),
        );
      }
      await db.greenhouseConnection.update({ where: { tenantId }, data: { auditUserId: userId } });
      const warnings = user.siteAdmin
        ? []
        : [
            `${user.name} is not a Site Admin: Greenhouse may refuse to attach reports to applications on their behalf`,
          ];
      return { auditUserId: userId, name: user.name, siteAdmin: user.siteAdmin, warnings };
    },

    async listCustomFields(tenantId: string) {
      const { connection } = await requireConnection(tenantId);
      const credentials = credentialsOf(connection);
      const [application, candidate] = await withGreenhouse(tenantId, () =>
        Promise.all([
          gateway.listCustomFields(credentials, 'application').catch((err) => {
            // Application custom fields are an Enterprise feature: fall back to candidate fields.
            if (
              err instanceof ServiceError &&
              err.kind === 'invalid' &&
              !(err instanceof CredentialRejectedError)
            )
              return null;
            throw err;
          }),
          gateway.listCustomFields(credentials, 'candidate'),
        ]),
      );
      // None defined, or not on this plan: either way results go to candidate custom fields.
      const available = application !== null && application.length > 0;
      return {
        applicationCustomFieldsAvailable: available,
        application: application ?? [],
        candidate,
        note: !available
          ? 'application custom fields are not available on this Greenhouse plan: map results to candidate custom fields'
          : undefined,
      };
    },

    /** Replaces the custom-field mappings after checking each target can hold its value. */
    async setCustomFieldMappings(tenantId: string, body: z.infer<typeof CustomFieldMappingsBody>) {
      const { connection } = await requireConnection(tenantId);
      const credentials = credentialsOf(connection);
      const definitions = new Map<string, CustomFieldDefinition[]>();
      for (const scope of new Set(body.mappings.map((m) => m.scope))) {
        definitions.set(
          scope,
          await withGreenhouse(tenantId, () => gateway.listCustomFields(credentials, scope)),
        );
      }
      const rows = body.mappings.map((m, i) => {
        const field = definitions.get(m.scope)?.find((f) => f.id === m.customFieldId);
        const where = `mappings.${i}.customFieldId`;
        if (!field)
          throw new ServiceError(
            'invalid',
            `no ${m.scope} custom field ${m.customFieldId} in Greenhouse`,
            where,
          );
        const problem = mappingProblem(m.resultField, field);
        if (problem) throw new ServiceError('invalid', problem, where);
        return {
          tenantId,
          resultField: m.resultField,
          scope: m.scope,
          customFieldId: m.customFieldId,
          valueType: field.valueType,
          fieldName: field.name,
        };
      });
      await db.$transaction([
        db.customFieldMapping.deleteMany({ where: { tenantId } }),
        db.customFieldMapping.createMany({ data: rows }),
      ]);
      return { mappings: rows.map(({ tenantId: _t, ...r }) => r) };
    },

    async setJobTestMappings(tenantId: string, body: z.infer<typeof JobTestMappingsBody>) {
      await requireTenant(tenantId);
      const rows = body.mappings.map((m) => ({
        tenantId,
        jobId: m.jobId,
        testId: m.testId,
        passStageId: m.passStageId ?? null,
        failStageId: m.failStageId ?? null,
      }));
      await db.$transaction([
        db.jobTestMapping.deleteMany({ where: { tenantId } }),
        db.jobTestMapping.createMany({ data: rows }),
      ]);
      return { mappings: body.mappings };
    },

    async setStageTestMappings(tenantId: string, body: z.infer<typeof StageTestMappingsBody>) {
      await requireTenant(tenantId);
      const rows = body.mappings.map((m) => ({
        tenantId,
        jobId: m.jobId,
        stageId: m.stageId,
        testId: m.testId,
      }));
      await db.$transaction([
        db.stageTestMapping.deleteMany({ where: { tenantId } }),
        db.stageTestMapping.createMany({ data: rows }),
      ]);
      return { mappings: body.mappings };
    },

    /**
     * Activates a mode. A partner API key or webhook secret is issued on first activation (or with
     * `rotate`) and returned this once: only its hash (key) or ciphertext (secret) is kept.
     */
    async activateMode(tenantId: string, mode: IntegrationModeParam, body: z.infer<typeof ActivateModeBody>) {
      const tenant = await requireTenant(tenantId);
      if (mode !== 'greenhouse_invite' && tenant.greenhouseConnection?.status !== 'connected') {
        throw new ServiceError('precondition', `${mode} needs a working Greenhouse connection first`);
      }
      if (mode !== 'greenhouse_invite' && body.callbackCredential) {
        throw new ServiceError(
          'invalid',
          'callbackCredential only applies to greenhouse_invite',
          'callbackCredential',
        );
      }
      const existing = tenant.modes.find((m) => m.mode === mode);
      const issued: { partnerApiKey?: string; webhookSecret?: string } = {};
      const data: Prisma.TenantModeUncheckedUpdateInput = {
        active: true,
        activatedAt: new Date(),
        deactivatedAt: null,
      };
      if (mode === 'greenhouse_invite') {
        if (!existing?.partnerKeyHash || body.rotate) {
          // Greenhouse requires keys shorter than 171 characters: this one has 48.
          issued.partnerApiKey = generateToken('grpk');
          // Greenhouse staff type the new key in by hand: the old one keeps working meanwhile.
          Object.assign(
            data,
            rotatedKeyFields(existing, hashToken(issued.partnerApiKey), tenant.partnerKeyOverlapDays),
          );
        }
        if (body.callbackCredential) {
          data.callbackCredentialCiphertext = secrets.encrypt(
            body.callbackCredential,
            aad.callbackCredential(tenantId),
          );
        }
      }
      if (mode === 'webhook_trigger' && (!existing?.webhookSecretCiphertext || body.rotate)) {
        issued.webhookSecret = generateToken('grwh');
        data.webhookSecretCiphertext = secrets.encrypt(issued.webhookSecret, aad.webhookSecret(tenantId));
      }
      await db.tenantMode.upsert({
        where: { tenantId_mode: { tenantId, mode } },
        create: { ...(data as Prisma.TenantModeUncheckedCreateInput), tenantId, mode },
        update: data,
      });
      return {
        mode,
        active: true,
        ...issued,
        ...(Object.keys(issued).length ? { shownOnce: true } : {}),
      };
    },

    async deactivateMode(tenantId: string, mode: IntegrationModeParam) {
      const tenant = await requireTenant(tenantId);
      if (!tenant.modes.some((m) => m.mode === mode && m.active))
        return { mode, active: false, changed: false };
      await db.tenantMode.update({
        where: { tenantId_mode: { tenantId, mode } },
        data: { active: false, deactivatedAt: new Date() },
      });
      return { mode, active: false, changed: true };
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

/** Records that Greenhouse stopped accepting a tenant's credential, in words the operator reads. */
export async function markDisconnected(
  db: Database,
  tenantId: string,
  reason: string,
  status: 'disconnected' | 'needs_consent' = 'disconnected',
): Promise<void> {
  await db.$transaction([
    db.greenhouseConnection.updateMany({
      where: { tenantId },
      data: { status, statusReason: reason },
    }),
    db.tenant.update({ where: { id: tenantId }, data: { status: 'disconnected' } }),
  ]);
}

/** Finds the tenant a partner API key belongs to (Greenhouse → send_test, test_status, …). */
export async function tenantForPartnerKey(db: Database, key: string) {
  const match = await matchPartnerKey(db, key);
  return match.ok ? match.tenantId : null;
}
