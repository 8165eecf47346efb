import { z } from 'zod';
import type {
  CustomFieldDefinition,
  CustomFieldOption,
  HarvestApplication,
  HarvestAttachment,
  HarvestCandidate,
  HarvestEmailTemplate,
  HarvestJob,
  HarvestNote,
  HarvestStage,
  HarvestUser,
  HiringTeamMember,
  NewAttachment,
  NoteVisibility,
} from './types.js';

/**
 * Harvest v3: everything greenhouse.md marks (unconfirmed) or (secondary source) lives in this one
 * module — paths, parameter names, answer shapes and request bodies — so a correction is one change.
 * Confirmed by the public docs: bearer tokens, cursor paging through `Link rel="next"` (the cursor the
 * only parameter of a follow-up), moves answering 204 with `from_stage_id` as a guard, attachments
 * without `content_type`. Secondary: no single-record GET for applications and candidates (`?ids=`),
 * plural filters of at most 50 ids, typed notes read back as `*_visible`, custom fields by `name_key`
 * (cleared with null), job owners with `type`, `stage_id` possibly an application-stage id with the
 * application's own `stage_name`. docs/greenhouse.md gives the sources.
 */
const V3_NOTE_TYPE = 'note';

export const V3 = {
  /** cursor paging: the cursor parameter (the only parameter of follow-up calls) and the page size */
  cursorParam: 'cursor',
  pageSizeParam: 'per_page',
  maxPageSize: 500,
  /** plural id filters take at most this many ids [S] */
  maxFilterIds: 50,
  /** default rate window (secondary source: 30 s, with X-RateLimit-Reset) */
  windowMs: 30_000,
  paths: {
    jobs: '/v3/jobs',
    jobStages: '/v3/job_interview_stages', // ?job_ids=
    hiringManagers: '/v3/job_hiring_managers', // ?job_ids= (unconfirmed)
    jobOwners: '/v3/job_owners', // ?job_ids= (unconfirmed)
    users: '/v3/users',
    customFields: '/v3/custom_fields', // ?field_type=
    customFieldOptions: '/v3/custom_field_options', // options are not embedded (unconfirmed)
    emailTemplates: '/v3/email_templates', // (unconfirmed)
    candidates: '/v3/candidates', // ?email= (exact, case-insensitive)
    /** PATCH only: there is no GET of one candidate (read with ?ids=) */
    candidate: (id: number) => `/v3/candidates/${id}`,
    applications: '/v3/applications', // ?ids=, ?candidate_ids=, ?job_ids=
    /** PATCH only: there is no GET of one application (read with ?ids=) */
    application: (id: number) => `/v3/applications/${id}`,
    moveApplication: (id: number) => `/v3/applications/${id}/move`,
    notes: '/v3/notes', // ?candidate_ids=, ?application_ids=
    attachments: '/v3/attachments', // ?application_ids=; created with application_id
  },
  /** list filters are plural comma lists (at most maxFilterIds ids each) */
  query: {
    byIds: (ids: number[]) => ({ ids: ids.join(',') }),
    jobStages: (jobId: number) => ({ job_ids: jobId }),
    team: (jobId: number) => ({ job_ids: jobId }),
    customFields: (fieldType: string) => ({ field_type: fieldType }),
    candidatesByEmail: (email: string) => ({ email }),
    applicationsOfCandidates: (ids: number[], jobId?: number) => ({
      candidate_ids: ids.join(','),
      ...(jobId === undefined ? {} : { job_ids: jobId }),
    }),
    notesOfCandidate: (candidateId: number) => ({ candidate_ids: candidateId }),
    attachmentsOfApplication: (applicationId: number) => ({ application_ids: applicationId }),
  },
  /** the note type our notes carry (`note_type`; the values Greenhouse knows are unconfirmed) */
  noteType: V3_NOTE_TYPE,
  body: {
    /** by `name_key`, cleared with `value: null` [S]; by id only where a field has no name_key */
    customFields: (values: { id?: number; name_key?: string; value: unknown }[]) => ({
      custom_fields: values,
    }),
    /** the body working clients send [S]; readers that want less ignore the rest */
    note: (
      candidateId: number,
      note: { body: string; visibility: NoteVisibility; applicationId?: number },
      userId: number | null,
    ) => ({
      candidate_id: candidateId,
      ...(note.applicationId === undefined ? {} : { application_id: note.applicationId }),
      body: note.body,
      visibility: note.visibility,
      note_type: V3_NOTE_TYPE,
      ...(userId === null ? {} : { user_id: userId }),
    }),
    /** no content_type [P]: Greenhouse goes by the filename's extension */
    attachment: (applicationId: number, a: NewAttachment) => ({
      application_id: applicationId,
      filename: a.filename,
      type: a.type,
      content: a.content,
      ...(a.visibility ? { visibility: a.visibility } : {}),
    }),
    move: (m: { fromStageId: number; toStageId: number }) => ({
      from_stage_id: m.fromStageId,
      to_stage_id: m.toStageId,
    }),
  },
} as const;

const id = z.number();
const str = z.string().nullish();
const bool = z.boolean().nullish();
const num = z.number().nullish();
const n = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);

export const v3Job = z
  .object({ id, name: z.string(), status: str, requisition_id: str })
  .transform((j): HarvestJob => ({
    id: j.id,
    name: j.name,
    status: n(j.status),
    requisitionId: n(j.requisition_id),
  }));

export const v3Stage = z
  .object({ id, name: z.string(), job_id: num, priority: num, active: bool })
  .transform((s): HarvestStage => ({
    id: s.id,
    name: s.name,
    jobId: n(s.job_id),
    priority: n(s.priority),
    active: n(s.active),
  }));

export const v3HiringManager = z
  .object({ job_id: num, user_id: id, active: bool, responsible: bool })
  .transform((m): HiringTeamMember => ({
    userId: m.user_id,
    role: 'hiring_manager',
    responsible: n(m.responsible),
    active: n(m.active),
  }));

const ownerRoles = ['recruiter', 'coordinator', 'sourcer'] as const;
/** Owners carry `type` [S]; `role` is the older guess, still read. */
export const v3JobOwner = z
  .object({
    job_id: num,
    user_id: id,
    type: z.string().nullish(),
    role: z.string().nullish(),
    active: bool,
    responsible: bool,
  })
  .transform((m): HiringTeamMember => ({
    userId: m.user_id,
    role: (ownerRoles as readonly string[]).includes(m.type ?? m.role ?? '')
      ? ((m.type ?? m.role) as HiringTeamMember['role'])
      : 'recruiter',
    responsible: n(m.responsible),
    active: n(m.active),
  }));

export const v3User = z
  .object({
    id,
    name: str,
    first_name: str,
    last_name: str,
    primary_email: str,
    emails: z.array(z.string()).nullish(),
    deactivated: bool,
    site_admin: bool,
  })
  .transform((u): HarvestUser => ({
    id: u.id,
    name: n(u.name) ?? ([u.first_name, u.last_name].filter(Boolean).join(' ') || null),
    firstName: n(u.first_name),
    lastName: n(u.last_name),
    primaryEmail: n(u.primary_email) ?? u.emails?.[0] ?? null,
    emails: u.emails ?? (u.primary_email ? [u.primary_email] : []),
    disabled: u.deactivated ?? false,
    siteAdmin: n(u.site_admin),
  }));

const v3OptionObject = z.object({ id, custom_field_id: num, name: z.string(), priority: num });
export const v3CustomFieldOption = v3OptionObject.transform(
  (o): CustomFieldOption & { customFieldId: number | null } => ({
    id: o.id,
    customFieldId: n(o.custom_field_id),
    name: o.name,
    priority: n(o.priority),
  }),
);

export const v3CustomField = z
  .object({
    id,
    name: z.string(),
    name_key: str,
    field_type: z.string(),
    value_type: str,
    active: bool,
    required: bool,
    private: bool,
    /** embedded only if Greenhouse does embed them after all */
    custom_field_options: z.array(v3OptionObject).nullish(),
  })
  .transform((f): CustomFieldDefinition => ({
    id: f.id,
    name: f.name,
    nameKey: n(f.name_key),
    fieldType: f.field_type,
    valueType: n(f.value_type),
    active: f.active ?? true,
    required: n(f.required),
    private: n(f.private),
    options: (f.custom_field_options ?? []).map((o) => ({ id: o.id, name: o.name, priority: n(o.priority) })),
  }));

export const v3EmailTemplate = z
  .object({
    id,
    name: z.string(),
    type: str,
    default: bool,
    description: str,
    from: str,
    body: str,
    html_body: str,
  })
  .transform((t): HarvestEmailTemplate => ({
    id: t.id,
    name: t.name,
    type: n(t.type),
    isDefault: n(t.default),
    description: n(t.description),
    from: n(t.from),
    body: n(t.body),
    htmlBody: n(t.html_body),
  }));

const emailAddress = z.union([z.string(), z.object({ value: z.string(), type: str })]);
export const v3Candidate = z
  .object({ id, first_name: str, last_name: str, email_addresses: z.array(emailAddress).nullish() })
  .transform((c): HarvestCandidate => ({
    id: c.id,
    firstName: n(c.first_name),
    lastName: n(c.last_name),
    emails: (c.email_addresses ?? []).map((e) => (typeof e === 'string' ? e : e.value)),
    applicationIds: null,
  }));

export const v3Application = z
  .object({
    id,
    candidate_id: num,
    job_id: num,
    stage_id: num,
    /** carried by the application itself where stage_id is an application-stage id [S] */
    stage_name: str,
    status: str,
    prospect: bool,
    custom_fields: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((a): HarvestApplication => ({
    id: a.id,
    candidateId: n(a.candidate_id),
    jobId: n(a.job_id),
    stageId: n(a.stage_id),
    stageName: n(a.stage_name),
    status: n(a.status),
    prospect: a.prospect ?? false,
    customFields: a.custom_fields ?? {},
  }));

/** Read back as `publicly_visible | privately_visible | admin_only_visible` [S]: mapped to what we write. */
const noteVisibilityRead: Record<string, string> = {
  publicly_visible: 'public',
  privately_visible: 'private',
  admin_only_visible: 'admin_only',
};
export const v3Note = z.object({ id: num, body: str, visibility: str }).transform((x): HarvestNote => ({
  id: n(x.id),
  body: n(x.body),
  visibility: x.visibility ? (noteVisibilityRead[x.visibility] ?? x.visibility) : null,
}));

export const v3Attachment = z
  .object({ filename: z.string(), url: str, type: str })
  .transform((a): HarvestAttachment => ({ filename: a.filename, url: n(a.url), type: n(a.type) }));
