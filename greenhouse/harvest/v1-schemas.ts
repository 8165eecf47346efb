import { z } from 'zod';
import type {
  CustomFieldDefinition,
  HarvestApplication,
  HarvestAttachment,
  HarvestCandidate,
  HarvestEmailTemplate,
  HarvestJob,
  HarvestNote,
  HarvestStage,
  HarvestUser,
  HiringTeamMember,
} from './types.js';

/**
 * Harvest v1 answers, as lenient as the recordings require (2014 answers lack most fields, say
 * `person_id` for `candidate_id`, and carry nulls): only ids and names are required; unknown fields
 * are ignored. Each schema transforms into the shared domain shape.
 */

const id = z.number();
const str = z.string().nullish();
const bool = z.boolean().nullish();
const num = z.number().nullish();
const n = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);

export const v1Job = z
  .object({ id, name: z.string(), status: str, requisition_id: str })
  .transform((j): HarvestJob => ({
    id: j.id,
    name: j.name,
    status: n(j.status),
    requisitionId: n(j.requisition_id),
  }));

export const v1Stage = z
  .object({ id, name: z.string(), job_id: num, priority: num, active: bool })
  .transform((s): HarvestStage => ({
    id: s.id,
    name: s.name,
    jobId: n(s.job_id),
    priority: n(s.priority),
    active: n(s.active),
  }));

const teamMember = z.object({ user_id: id, active: bool, responsible: bool });
export const v1HiringTeam = z
  .object({
    hiring_managers: z.array(teamMember).nullish(),
    recruiters: z.array(teamMember).nullish(),
    coordinators: z.array(teamMember).nullish(),
    sourcers: z.array(teamMember).nullish(),
  })
  .transform((t): HiringTeamMember[] => {
    const rows = (list: z.infer<typeof teamMember>[] | null | undefined, role: HiringTeamMember['role']) =>
      (list ?? []).map((m) => ({
        userId: m.user_id,
        role,
        responsible: n(m.responsible),
        active: n(m.active),
      }));
    return [
      ...rows(t.hiring_managers, 'hiring_manager'),
      ...rows(t.recruiters, 'recruiter'),
      ...rows(t.coordinators, 'coordinator'),
      ...rows(t.sourcers, 'sourcer'),
    ];
  });

export const v1User = z
  .object({
    id,
    name: str,
    first_name: str,
    last_name: str,
    primary_email_address: str,
    emails: z.array(z.string()).nullish(),
    disabled: bool,
    site_admin: bool,
  })
  .transform((u): HarvestUser => ({
    id: u.id,
    name: n(u.name) ?? ([u.first_name, u.last_name].filter(Boolean).join(' ') || null),
    firstName: n(u.first_name),
    lastName: n(u.last_name),
    primaryEmail: n(u.primary_email_address) ?? u.emails?.[0] ?? null,
    emails: u.emails ?? (u.primary_email_address ? [u.primary_email_address] : []),
    disabled: u.disabled ?? false,
    siteAdmin: n(u.site_admin),
  }));

const option = z.object({ id, name: z.string(), priority: num });
export const v1CustomField = z
  .object({
    id,
    name: z.string(),
    name_key: str,
    field_type: z.string(),
    value_type: str,
    active: bool,
    required: bool,
    private: bool,
    custom_field_options: z.array(option).nullish(),
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

export const v1EmailTemplate = z
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

const v1ApplicationObject = z.object({
  id,
  candidate_id: num,
  /** 2014 recordings */
  person_id: num,
  prospect: bool,
  status: str,
  jobs: z.array(z.object({ id, name: str })).nullish(),
  current_stage: z.object({ id, name: str }).nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
});

const toApplication = (a: z.infer<typeof v1ApplicationObject>, candidateId?: number): HarvestApplication => ({
  id: a.id,
  candidateId: a.candidate_id ?? a.person_id ?? candidateId ?? null,
  jobId: a.jobs?.[0]?.id ?? null,
  stageId: a.current_stage?.id ?? null,
  stageName: a.current_stage?.name ?? null,
  status: n(a.status),
  prospect: a.prospect ?? false,
  customFields: a.custom_fields ?? {},
});

export const v1Application = v1ApplicationObject.transform((a) => toApplication(a));

const emailAddress = z.union([z.string(), z.object({ value: z.string(), type: str })]);

export const v1Candidate = z
  .object({
    id,
    first_name: str,
    last_name: str,
    email_addresses: z.array(emailAddress).nullish(),
    application_ids: z.array(id).nullish(),
    applications: z.array(v1ApplicationObject).nullish(),
  })
  .transform((c): { candidate: HarvestCandidate; applications: HarvestApplication[] } => ({
    candidate: {
      id: c.id,
      firstName: n(c.first_name),
      lastName: n(c.last_name),
      emails: (c.email_addresses ?? []).map((e) => (typeof e === 'string' ? e : e.value)),
      applicationIds: c.application_ids ?? c.applications?.map((a) => a.id) ?? [],
    },
    applications: (c.applications ?? []).map((a) => toApplication(a, c.id)),
  }));

/** POST /v1/candidates/{id}/activity_feed/notes (the 2016 recording says `visiblity` and has no id). */
export const v1Note = z
  .object({ id: num, body: str, visibility: str, visiblity: str })
  .transform((x): HarvestNote => ({
    id: n(x.id),
    body: n(x.body),
    visibility: n(x.visibility) ?? n(x.visiblity),
  }));

export const v1Attachment = z
  .object({ filename: z.string(), url: str, type: str })
  .transform((a): HarvestAttachment => ({ filename: a.filename, url: n(a.url), type: n(a.type) }));

/** GET /v1/candidates/{id}/activity_feed: only its notes. */
export const v1ActivityFeedNotes = z
  .object({ notes: z.array(v1Note).nullish() })
  .loose()
  .transform((x): HarvestNote[] => x.notes ?? []);

/** GET /v1/candidates/{id}: only its attachments (those of its applications included). */
export const v1CandidateAttachments = z
  .object({ attachments: z.array(v1Attachment).nullish() })
  .loose()
  .transform((x): HarvestAttachment[] => x.attachments ?? []);

/** PATCH /v1/candidates/{id}: we only need it to be an object. */
export const anyObject = z.object({}).loose();
