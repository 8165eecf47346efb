import { iso } from '../clock.js';
import { keyedType, renderValue } from '../custom-field-values.js';
import type {
  Application,
  Attachment,
  Candidate,
  CustomField,
  EmailTemplate,
  Job,
  Note,
  Stage,
  StoredValue,
  User,
} from '../model.js';
import type { Org } from '../store.js';

/** Harvest v1 JSON shapes, following the fixtures of docs/harvest-v1 (field names, nesting, nulls). */

const isoOrNull = (t: number | null): string | null => (t === null ? null : iso(t));

export function userRef(u: User | undefined): Record<string, unknown> | null {
  return u
    ? {
        id: u.id,
        first_name: u.firstName,
        last_name: u.lastName,
        name: `${u.firstName} ${u.lastName}`,
        employee_id: u.employeeId,
      }
    : null;
}

export function user(u: User): Record<string, unknown> {
  return {
    id: u.id,
    name: `${u.firstName} ${u.lastName}`,
    first_name: u.firstName,
    last_name: u.lastName,
    primary_email_address: u.emails[0] ?? null,
    updated_at: iso(u.updatedAt),
    created_at: iso(u.createdAt),
    disabled: u.disabled,
    site_admin: u.siteAdmin,
    emails: u.emails,
    employee_id: u.employeeId,
    linked_candidate_ids: [],
    offices: [],
    departments: [],
  };
}

export function attachment(baseUrl: string, a: Attachment): Record<string, unknown> {
  return {
    filename: a.filename,
    url: a.sourceUrl ?? `${baseUrl}/_sandbox/files/${a.id}`,
    type: a.type,
    created_at: iso(a.createdAt),
  };
}

export function customFieldMaps(
  org: Org,
  fieldType: 'candidate' | 'application',
  values: Map<number, StoredValue>,
): { custom_fields: Record<string, unknown>; keyed_custom_fields: Record<string, unknown> } {
  const custom_fields: Record<string, unknown> = {};
  const keyed_custom_fields: Record<string, unknown> = {};
  for (const f of org.customFields.values()) {
    if (f.fieldType !== fieldType || !f.active) continue;
    const value = renderValue(org, f, values.get(f.id));
    custom_fields[f.nameKey] = value;
    keyed_custom_fields[f.nameKey] = { name: f.name, type: keyedType(f), value };
  }
  return { custom_fields, keyed_custom_fields };
}

export function application(
  org: Org,
  baseUrl: string,
  a: Application,
  withCustomFields = true,
): Record<string, unknown> {
  const job = org.jobs.get(a.jobId);
  const stage = a.stageId === null ? undefined : org.stages.get(a.stageId);
  const cand = org.candidates.get(a.candidateId);
  const out: Record<string, unknown> = {
    id: a.id,
    candidate_id: a.candidateId,
    prospect: a.prospect,
    applied_at: iso(a.appliedAt),
    rejected_at: isoOrNull(a.rejectedAt),
    last_activity_at: iso(a.lastActivityAt),
    location: null,
    source: a.source,
    credited_to: userRef(a.creditedToId === null ? undefined : org.users.get(a.creditedToId)),
    recruiter: userRef(cand?.recruiterId ? org.users.get(cand.recruiterId) : undefined),
    coordinator: userRef(cand?.coordinatorId ? org.users.get(cand.coordinatorId) : undefined),
    rejection_reason: a.rejectionReason,
    rejection_details: null,
    jobs: job ? [{ id: job.id, name: job.name }] : [],
    job_post_id: null,
    status: a.status,
    current_stage: stage ? { id: stage.id, name: stage.name } : null,
    answers: [],
    prospective_office: null,
    prospective_department: null,
    prospect_detail: { prospect_pool: null, prospect_stage: null, prospect_owner: null },
  };
  if (withCustomFields) Object.assign(out, customFieldMaps(org, 'application', a.customFields));
  out.attachments = a.attachments.map((x) => attachment(baseUrl, x));
  return out;
}

export function candidate(org: Org, baseUrl: string, c: Candidate): Record<string, unknown> {
  const apps = c.applicationIds.map((id) => org.applications.get(id)).filter((a): a is Application => !!a);
  return {
    id: c.id,
    first_name: c.firstName,
    last_name: c.lastName,
    company: c.company,
    title: c.title,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    last_activity: iso(c.lastActivity),
    is_private: c.isPrivate,
    photo_url: null,
    attachments: [...c.attachments, ...apps.flatMap((a) => a.attachments)].map((x) => attachment(baseUrl, x)),
    application_ids: apps.map((a) => a.id),
    phone_numbers: c.phones,
    addresses: [],
    email_addresses: c.emails,
    website_addresses: [],
    social_media_addresses: [],
    recruiter: userRef(c.recruiterId ? org.users.get(c.recruiterId) : undefined),
    coordinator: userRef(c.coordinatorId ? org.users.get(c.coordinatorId) : undefined),
    can_email: true,
    tags: c.tags,
    // Embedded applications carry no custom fields (as in the candidate fixture).
    applications: apps.map((a) => application(org, baseUrl, a, false)),
    educations: [],
    employments: [],
    linked_user_ids: [],
    ...customFieldMaps(org, 'candidate', c.customFields),
  };
}

export function job(org: Org, j: Job): Record<string, unknown> {
  const team = (list: Job['hiringTeam']['recruiters'], withResponsible: boolean) =>
    list.map((m) => {
      const r = userRef(org.users.get(m.userId)) ?? { id: m.userId };
      return withResponsible ? { ...r, responsible: m.responsible } : r;
    });
  return {
    id: j.id,
    name: j.name,
    requisition_id: j.requisitionId,
    notes: j.notes,
    confidential: j.confidential,
    status: j.status,
    created_at: iso(j.createdAt),
    opened_at: isoOrNull(j.openedAt),
    closed_at: isoOrNull(j.closedAt),
    updated_at: iso(j.updatedAt),
    is_template: false,
    copied_from_id: null,
    departments: j.departments.map((d) => ({ ...d, parent_id: null, child_ids: [], external_id: null })),
    offices: j.offices.map((o) => ({
      id: o.id,
      name: o.name,
      location: { name: o.location },
      primary_contact_user_id: null,
      parent_id: null,
      child_ids: [],
      external_id: null,
    })),
    custom_fields: {},
    keyed_custom_fields: {},
    hiring_team: {
      hiring_managers: team(j.hiringTeam.hiringManagers, false),
      recruiters: team(j.hiringTeam.recruiters, true),
      coordinators: team(j.hiringTeam.coordinators, true),
      sourcers: team(j.hiringTeam.sourcers, false),
    },
    openings: [],
  };
}

/** GET /v1/jobs/{id}/hiring_team — the flat user_id form of jobs--get-hiring-team.json. */
export function hiringTeam(j: Job): Record<string, unknown> {
  const plain = (l: Job['hiringTeam']['sourcers']) => l.map((m) => ({ user_id: m.userId, active: m.active }));
  const resp = (l: Job['hiringTeam']['recruiters']) =>
    l.map((m) => ({ user_id: m.userId, active: m.active, responsible: m.responsible }));
  return {
    hiring_managers: plain(j.hiringTeam.hiringManagers),
    recruiters: resp(j.hiringTeam.recruiters),
    coordinators: resp(j.hiringTeam.coordinators),
    sourcers: plain(j.hiringTeam.sourcers),
  };
}

export function stage(s: Stage): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    active: s.active,
    job_id: s.jobId,
    priority: s.priority,
    interviews: s.interviews.map((i) => ({
      id: i.id,
      name: i.name,
      schedulable: !s.takeHomeTest,
      estimated_minutes: 30,
      default_interviewer_users: [],
      interview_kit: { id: i.id, content: '', questions: [] },
    })),
  };
}

export function customField(f: CustomField): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    active: f.active,
    field_type: f.fieldType,
    priority: f.priority,
    value_type: f.valueType,
    private: f.private,
    required: f.required,
    require_approval: false,
    trigger_new_version: false,
    name_key: f.nameKey,
    description: f.description,
    expose_in_job_board_api: false,
    api_only: false,
    offices: [],
    departments: [],
    template_token_string: null,
    custom_field_options: f.options.map((o) => ({
      id: o.id,
      name: o.name,
      priority: o.priority,
      external_id: o.externalId,
    })),
  };
}

export function emailTemplate(org: Org, t: EmailTemplate): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    default: t.isDefault,
    updated_at: iso(t.updatedAt),
    created_at: iso(t.createdAt),
    type: t.type,
    from: t.from,
    cc: t.cc,
    body: t.body,
    html_body: t.htmlBody,
    user: t.userId === null ? null : userRef(org.users.get(t.userId)),
  };
}

/** Note, with both spellings of visibility as in candidates--post-add-note.json. */
export function note(org: Org, n: Note): Record<string, unknown> {
  return {
    id: n.id,
    created_at: iso(n.createdAt),
    body: n.body,
    user: userRef(org.users.get(n.userId)),
    private: n.visibility === 'private',
    visiblity: n.visibility,
    visibility: n.visibility,
  };
}

export function activityFeed(org: Org, c: Candidate): Record<string, unknown> {
  return { notes: [...c.notes].reverse().map((n) => note(org, n)), emails: [], activities: [] };
}
