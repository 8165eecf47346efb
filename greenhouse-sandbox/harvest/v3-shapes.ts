import type { Readings } from '../assumptions.js';
import { ASSUMPTIONS } from '../assumptions.js';
import { iso } from '../clock.js';
import { renderValue } from '../custom-field-values.js';
import type {
  Application,
  Attachment,
  Candidate,
  CustomField,
  CustomFieldOption,
  EmailTemplate,
  Job,
  Note,
  Stage,
  StoredValue,
  User,
} from '../model.js';
import type { Org } from '../store.js';

/**
 * Harvest v3 shapes — the working assumption of greenhouse.md §3.1 (secondary source), all in this one
 * module: flat foreign keys (`job_id`, `stage_id`), no embedded children, users with `deactivated` and
 * `primary_email`.
 */

const isoOrNull = (t: number | null): string | null => (t === null ? null : iso(t));

function values(
  org: Org,
  fieldType: 'candidate' | 'application',
  v: Map<number, StoredValue>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of org.customFields.values())
    if (f.fieldType === fieldType && f.active) out[f.nameKey] = renderValue(org, f, v.get(f.id));
  return out;
}

export function user(u: User): Record<string, unknown> {
  return {
    id: u.id,
    first_name: u.firstName,
    last_name: u.lastName,
    name: `${u.firstName} ${u.lastName}`,
    primary_email: u.emails[0] ?? null,
    emails: u.emails,
    deactivated: u.disabled,
    site_admin: u.siteAdmin,
    employee_id: u.employeeId,
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}

export function candidate(org: Org, c: Candidate): Record<string, unknown> {
  return {
    id: c.id,
    first_name: c.firstName,
    last_name: c.lastName,
    company: c.company,
    title: c.title,
    is_private: c.isPrivate,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    last_activity_at: iso(c.lastActivity),
    email_addresses: c.emails,
    phone_numbers: c.phones,
    tags: c.tags,
    recruiter_id: c.recruiterId,
    coordinator_id: c.coordinatorId,
    custom_fields: values(org, 'candidate', c.customFields),
  };
}

/**
 * The application-stage record id under the `application_stage` reading: one per application and
 * stage of its job (derived, so nothing is stored), never equal to a job interview stage id.
 */
export function applicationStageId(org: Org, a: Application): number | null {
  if (a.stageId === null) return null;
  const i = org.jobs.get(a.jobId)?.stageIds.indexOf(a.stageId) ?? -1;
  return a.id * 100 + (i + 1);
}

/** The `stage_id` an application shows (and a move's `from_stage_id` must repeat) under a reading. */
export const shownStageId = (org: Org, a: Application, r: Readings): number | null =>
  r.v3StageId === 'application_stage' ? applicationStageId(org, a) : a.stageId;

export function application(org: Org, a: Application, r: Readings): Record<string, unknown> {
  return {
    id: a.id,
    candidate_id: a.candidateId,
    job_id: a.jobId,
    stage_id: shownStageId(org, a, r),
    ...(r.v3StageId === 'application_stage'
      ? { stage_name: a.stageId === null ? null : (org.stages.get(a.stageId)?.name ?? null) }
      : {}),
    status: a.status,
    prospect: a.prospect,
    applied_at: iso(a.appliedAt),
    rejected_at: isoOrNull(a.rejectedAt),
    last_activity_at: iso(a.lastActivityAt),
    source_id: a.source?.id ?? null,
    credited_to_id: a.creditedToId,
    rejection_reason_id: a.rejectionReason?.id ?? null,
    custom_fields: values(org, 'application', a.customFields),
  };
}

export function job(j: Job): Record<string, unknown> {
  return {
    id: j.id,
    name: j.name,
    requisition_id: j.requisitionId,
    status: j.status,
    confidential: j.confidential,
    created_at: iso(j.createdAt),
    updated_at: iso(j.updatedAt),
    opened_at: isoOrNull(j.openedAt),
    closed_at: isoOrNull(j.closedAt),
    department_ids: j.departments.map((d) => d.id),
    office_ids: j.offices.map((o) => o.id),
  };
}

export function jobInterviewStage(s: Stage): Record<string, unknown> {
  return {
    id: s.id,
    job_id: s.jobId,
    name: s.name,
    priority: s.priority,
    active: s.active,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function jobHiringManager(
  jobId: number,
  m: Job['hiringTeam']['hiringManagers'][number],
): Record<string, unknown> {
  return { job_id: jobId, user_id: m.userId, active: m.active };
}

/** Job owners carry `type` (sourcer | recruiter | coordinator) and `responsible` [S]. */
export function jobOwner(
  jobId: number,
  type: 'recruiter' | 'coordinator' | 'sourcer',
  m: Job['hiringTeam']['recruiters'][number],
): Record<string, unknown> {
  return { job_id: jobId, user_id: m.userId, type, responsible: m.responsible, active: m.active };
}

export function customField(f: CustomField): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    name_key: f.nameKey,
    field_type: f.fieldType,
    value_type: f.valueType,
    private: f.private,
    required: f.required,
    active: f.active,
    priority: f.priority,
    description: f.description,
    ...(ASSUMPTIONS.v3EmbedsCustomFieldOptions
      ? { custom_field_options: f.options.map((o) => customFieldOption(f, o)) }
      : {}),
  };
}

export function customFieldOption(f: CustomField, o: CustomFieldOption): Record<string, unknown> {
  return { id: o.id, custom_field_id: f.id, name: o.name, priority: o.priority, external_id: o.externalId };
}

export function emailTemplate(t: EmailTemplate): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    default: t.isDefault,
    type: t.type,
    from: t.from,
    cc: t.cc,
    body: t.body,
    html_body: t.htmlBody,
    user_id: t.userId,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  };
}

/** Notes are written with public | private | admin_only and read back as `*_visible` [S]. */
export const NOTE_VISIBILITY_READ = {
  public: 'publicly_visible',
  private: 'privately_visible',
  admin_only: 'admin_only_visible',
} as const;

export function note(n: Note): Record<string, unknown> {
  return {
    id: n.id,
    candidate_id: n.candidateId,
    application_id: n.applicationId,
    user_id: n.userId,
    body: n.body,
    note_type: n.noteType ?? 'note',
    visibility: NOTE_VISIBILITY_READ[n.visibility],
    created_at: iso(n.createdAt),
  };
}

export function attachment(
  baseUrl: string,
  applicationId: number | null,
  candidateId: number,
  a: Attachment,
): Record<string, unknown> {
  return {
    id: a.id,
    application_id: applicationId,
    candidate_id: candidateId,
    filename: a.filename,
    type: a.type,
    visibility: a.visibility,
    url: a.sourceUrl ?? `${baseUrl}/_sandbox/files/${a.id}`,
    created_at: iso(a.createdAt),
  };
}
