import type { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { Prisma } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import { generateToken, hashToken } from '../../security/tokens.js';
import { secretPurpose } from '../credentials.js';
import { matchPartnerKey, rotatedKeyFields } from '../partner-keys.js';
import type { ActivateModeBody, IntegrationModeParam } from '../schemas.js';
import { requireTenant, type ConnectionDeps } from './deps.js';

/** Integration modes and the keys they issue (partner API key, webhook secret). */
export function createModesAndKeys({
  db,
  secrets,
  upkeep,
}: Pick<ConnectionDeps, 'db' | 'secrets' | 'upkeep'>) {
  return {
    /**
     * Activates a mode. A partner API key or webhook secret is issued on first activation (or with
     * `rotate`) and returned this once: only its hash (key) or ciphertext (secret) is kept.
     */
    async activateMode(tenantId: string, mode: IntegrationModeParam, body: z.infer<typeof ActivateModeBody>) {
      const tenant = await requireTenant(db, tenantId);
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
            secretPurpose.callbackCredential(tenantId),
          );
        }
        // A new credential, or the operator re-activating after fixing it on Greenhouse's side: the
        // refusal is over (a still refused one is recorded again at the next PATCH).
        data.callbackRefusedAt = null;
        data.callbackRefusalReason = null;
      }
      if (mode === 'webhook_trigger' && (!existing?.webhookSecretCiphertext || body.rotate)) {
        issued.webhookSecret = generateToken('grwh');
        data.webhookSecretCiphertext = secrets.encrypt(
          issued.webhookSecret,
          secretPurpose.webhookSecret(tenantId),
        );
      }
      await db.tenantMode.upsert({
        where: { tenantId_mode: { tenantId, mode } },
        create: { ...(data as Prisma.TenantModeUncheckedCreateInput), tenantId, mode },
        update: data,
      });
      // Journeys that waited for the callback credential resume now, a bounded batch at a time.
      const after =
        mode === 'greenhouse_invite' && existing?.callbackRefusedAt && upkeep
          ? await upkeep.callbackCredentialReplaced(tenantId)
          : null;
      return {
        mode,
        active: true,
        ...(after ? { resumedJourneys: after.resumed, warnings: after.warnings } : {}),
        ...issued,
        ...(Object.keys(issued).length ? { shownOnce: true } : {}),
      };
    },

    async deactivateMode(tenantId: string, mode: IntegrationModeParam) {
      const tenant = await requireTenant(db, tenantId);
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

/** Finds the tenant a partner API key belongs to (Greenhouse → send_test, test_status, …). */
export async function tenantForPartnerKey(db: Database, key: string) {
  const match = await matchPartnerKey(db, key);
  return match.ok ? match.tenantId : null;
}
