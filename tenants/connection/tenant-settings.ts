import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { Prisma } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { tenantCallbackHosts } from '../callback-hosts.js';
import type { TenantSettingsBody } from '../schemas.js';
import { requireTenant, type ConnectionDeps } from './deps.js';

/** Tenants themselves: create, list, describe (never a secret), and their settings. */
export function createTenantSettings({ db }: Pick<ConnectionDeps, 'db'>) {
  return {
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
      await requireTenant(db, tenantId);
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
          ...(body.reportLinkLifetimeDays !== undefined
            ? { reportLinkLifetimeDays: body.reportLinkLifetimeDays }
            : {}),

          ...(body.retentionDays !== undefined ? { retentionDays: body.retentionDays } : {}),
        },
        select: {
          branding: true,
          reportVisibility: true,
          defaultGraderEmail: true,
          callbackHosts: true,
          partnerKeyOverlapDays: true,
          reportLinkLifetimeDays: true,

          retentionDays: true,
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
          callbackRefusedAt: m.callbackRefusedAt,
          callbackRefusalReason: m.callbackRefusalReason,
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
        reportLinkLifetimeDays: tenant.reportLinkLifetimeDays,
        stageTestMappings: tenant.stageTestMappings.map(({ jobId, stageId, testId }) => ({
          jobId,
          stageId,
          testId,
        })),
      };
    },
  };
}
