import type { z } from 'zod';
import { ServiceError } from '../../domain/errors.js';
import { mappingProblem, type CustomFieldDefinition } from '../../domain/result-fields.js';
import { CredentialRejectedError } from '../greenhouse-gateway.js';
import type { CustomFieldMappingsBody, JobTestMappingsBody, StageTestMappingsBody } from '../schemas.js';
import { greenhouseAccess, requireConnection, requireTenant, type ConnectionDeps } from './deps.js';

/** Where results land (custom fields) and which test a job or stage sends. */
export function createMappings(deps: Pick<ConnectionDeps, 'db' | 'secrets' | 'gateway'>) {
  const { db, gateway } = deps;
  const { credentialsOf, withGreenhouse } = greenhouseAccess(deps);
  return {
    async listCustomFields(tenantId: string) {
      const { connection } = await requireConnection(db, tenantId);
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
      const { connection } = await requireConnection(db, tenantId);
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
      await requireTenant(db, tenantId);
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
      await requireTenant(db, tenantId);
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
  };
}
