import { z } from 'zod';
import type { OperationInfo } from './errors.js';
import { HarvestError, describeFieldErrors } from './errors.js';
import type { HarvestRequest, HarvestTransport } from './transport.js';
import type { CustomFieldValue } from './types.js';

/** Plain-words descriptions of every operation, shared by both versions (used in error messages). */
export const ops = {
  listJobs: (): OperationInfo => ({ name: 'listJobs', permission: 'list jobs' }),
  listJobStages: (jobId: number): OperationInfo => ({
    name: 'listJobStages',
    permission: 'list the stages of jobs',
    resource: `job ${jobId}`,
  }),
  getHiringTeam: (jobId: number): OperationInfo => ({
    name: 'getHiringTeam',
    permission: 'get the hiring team of jobs',
    resource: `job ${jobId}`,
  }),
  listUsers: (): OperationInfo => ({ name: 'listUsers', permission: 'list users' }),
  getUser: (userId: number): OperationInfo => ({
    name: 'getUser',
    permission: 'retrieve users',
    resource: `user ${userId}`,
  }),
  listCustomFields: (): OperationInfo => ({ name: 'listCustomFields', permission: 'list custom fields' }),
  listEmailTemplates: (): OperationInfo => ({
    name: 'listEmailTemplates',
    permission: 'list e-mail templates',
  }),
  listCandidates: (): OperationInfo => ({ name: 'listCandidates', permission: 'list candidates' }),
  findCandidates: (): OperationInfo => ({ name: 'findCandidatesByEmail', permission: 'get candidates' }),
  listApplications: (): OperationInfo => ({ name: 'listApplications', permission: 'get applications' }),
  getApplication: (applicationId: number): OperationInfo => ({
    name: 'getApplication',
    permission: 'get applications',
    resource: `application ${applicationId}`,
  }),
  updateApplicationCustomFields: (applicationId: number): OperationInfo => ({
    name: 'updateApplicationCustomFields',
    permission: 'update applications (custom fields)',
    resource: `application ${applicationId}`,
    rejected: 'the custom field value',
    write: true,
  }),
  updateCandidateCustomFields: (candidateId: number): OperationInfo => ({
    name: 'updateCandidateCustomFields',
    permission: 'edit candidates (custom fields)',
    resource: `candidate ${candidateId}`,
    rejected: 'the custom field value',
    write: true,
  }),
  listCandidateNotes: (candidateId: number): OperationInfo => ({
    name: 'listCandidateNotes',
    permission: "read candidates' activity feed (notes)",
    resource: `candidate ${candidateId}`,
  }),
  listApplicationAttachments: (applicationId: number): OperationInfo => ({
    name: 'listApplicationAttachments',
    permission: "list applications' attachments",
    resource: `application ${applicationId}`,
  }),
  addCandidateNote: (candidateId: number): OperationInfo => ({
    name: 'addCandidateNote',
    permission: 'add notes to candidates',
    resource: `candidate ${candidateId}`,
    rejected: 'the note',
    write: true,
  }),
  addApplicationAttachment: (applicationId: number): OperationInfo => ({
    name: 'addApplicationAttachment',
    permission: 'add attachments to applications',
    resource: `application ${applicationId}`,
    rejected: 'the attachment',
    write: true,
  }),
  moveApplicationStage: (applicationId: number): OperationInfo => ({
    name: 'moveApplicationStage',
    permission: 'move applications between stages',
    resource: `application ${applicationId}`,
    rejected: 'the stage move',
    write: true,
  }),
};

/** Our values → Greenhouse's `custom_fields: [{ id | name_key, value | delete_value: "true" }]`. */
export function customFieldsBody(
  values: CustomFieldValue[],
): { id?: number; name_key?: string; value?: unknown; delete_value?: 'true' }[] {
  return values.map((v) => ({
    ...(v.id !== undefined ? { id: v.id } : { name_key: v.nameKey }),
    ...(v.delete ? { delete_value: 'true' as const } : { value: v.value }),
  }));
}

/**
 * Greenhouse names a rejected custom field by position (`custom_fields[0].value`): name it by what we
 * sent (`application_score` or `field 123`), as "Greenhouse rejected the custom field value: <field>: <message>".
 */
export function explainCustomFieldError(err: unknown, values: CustomFieldValue[]): unknown {
  if (!(err instanceof HarvestError) || err.kind !== 'validation') return err;
  const named = err.fieldErrors.map((e) => {
    const m = e.field ? /^custom_fields\[(\d+)\]/.exec(e.field) : null;
    const v = m ? values[Number(m[1])] : undefined;
    return { field: v ? (v.nameKey ?? `field ${v.id}`) : e.field, message: e.message };
  });
  return new HarvestError({
    kind: err.kind,
    operation: err.operation,
    status: err.status,
    fieldErrors: err.fieldErrors,
    message: `Greenhouse rejected the custom field value: ${describeFieldErrors(named, null)}`,
    cause: err,
  });
}

/** Follow `Link rel="next"` until there is none; `follow` turns the link into the next request. */
export async function* paginate<S extends z.ZodType>(
  t: HarvestTransport,
  op: OperationInfo,
  first: HarvestRequest,
  item: S,
  follow: (next: string) => HarvestRequest,
): AsyncGenerator<z.output<S>> {
  const page = z.array(item);
  let req: HarvestRequest | null = first;
  while (req) {
    const r: { data: unknown; next: string | null } = await t.send(op, req, page);
    for (const x of r.data as z.output<S>[]) yield x;
    req = r.next ? follow(r.next) : null;
  }
}

export const clampPerPage = (n: number | undefined, dflt = 100): number =>
  Math.max(1, Math.min(500, Math.floor(n ?? dflt)));
