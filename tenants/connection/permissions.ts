import type { Prisma } from '../../db/client.js';
import { ServiceError } from '../../domain/errors.js';
import {
  capabilitiesByMode,
  CredentialRejectedError,
  type Capability,
  type ConnectionCredentials,
  type PermissionReport,
} from '../greenhouse-gateway.js';
import type { IntegrationModeParam } from '../schemas.js';
import { greenhouseAccess, requireConnection, type ConnectionDeps } from './deps.js';

/** What the tenant's credential may do in Greenhouse, and the user our writes are made as. */
export function createPermissionsAndAuditUser(deps: Pick<ConnectionDeps, 'db' | 'secrets' | 'gateway'>) {
  const { db, gateway } = deps;
  const { credentialsOf, withGreenhouse } = greenhouseAccess(deps);
  return {
    /** Calls each endpoint the enabled modes need once; stores and returns the report. */
    async checkPermissions(
      tenantId: string,
    ): Promise<
      PermissionReport & { checkedModes: string[]; applicationCustomFieldsAvailable: boolean | null }
    > {
      const { tenant, connection } = await requireConnection(db, tenantId);
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
      const { connection } = await requireConnection(db, tenantId);
      return withGreenhouse(tenantId, () => gateway.listUsers(credentialsOf(connection)));
    },

    /** Chooses the Greenhouse user our writes are made as; warns when attachments may be refused. */
    async setAuditUser(tenantId: string, userId: string) {
      const { connection } = await requireConnection(db, tenantId);
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
  };
}
