import { iso } from '../clock.js';
import { keyedType, renderValue } from '../custom-field-values.js';
import type { Application, Candidate, StoredValue, User } from '../model.js';
import type { Org } from '../store.js';

/** Webhook bodies shaped like docs/webhooks/*.json. */

export type WebhookAction =
  | 'candidate_stage_change'
  | 'hire_candidate'
  | 'reject_candidate'
  | 'delete_candidate'
  | 'candidate_anonymized'
  | 'merge_candidate'
  | 'ping';

const userRef = (u: User | undefined) =>
  u
    ? {
        id: u.id,
        email: u.emails[0] ?? null,
        name: `${u.firstName} ${u.lastName}`,
        employee_id: u.employeeId,
      }
    : null;

function keyed(
  org: Org,
  fieldType: 'candidate' | 'application',
  v: Map<number, StoredValue>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of org.customFields.values()) {
    if (f.fieldType !== fieldType || !f.active || !v.has(f.id)) continue;
    out[f.nameKey] = { name: f.name, type: keyedType(f), value: renderValue(org, f, v.get(f.id)) };
  }
  return out;
}

function candidateBlock(org: Org, baseUrl: string, c: Candidate): Record<string, unknown> {
  return {
    id: c.id,
    first_name: c.firstName,
    last_name: c.lastName,
    title: c.title,
    company: c.company,
    created_at: iso(c.createdAt),
    external_id: null,
    photo_url: null,
    url: `${baseUrl}/people/${c.id}`,
    is_private: c.isPrivate,
    can_email: true,
    phone_numbers: c.phones,
    email_addresses: c.emails,
    addresses: [],
    website_addresses: [],
    social_media_addresses: [],
    educations: [],
    employments: [],
    recruiter: userRef(c.recruiterId ? org.users.get(c.recruiterId) : undefined),
    coordinator: userRef(c.coordinatorId ? org.users.get(c.coordinatorId) : undefined),
    attachments: c.attachments.map((a) => ({
      filename: a.filename,
      url: a.sourceUrl ?? `${baseUrl}/_sandbox/files/${a.id}`,
      type: a.type,
    })),
    tags: c.tags,
    custom_fields: keyed(org, 'candidate', c.customFields),
  };
}

function jobsBlock(org: Org, a: Application): Record<string, unknown>[] {
  const j = org.jobs.get(a.jobId);
  if (!j) return [];
  return [
    {
      id: j.id,
      name: j.name,
      requisition_id: j.requisitionId,
      notes: j.notes,
      confidential: j.confidential,
      job_post_id: null,
      status: j.status,
      created_by_id: null,
      created_at: iso(j.createdAt),
      opened_at: j.openedAt === null ? null : iso(j.openedAt),
      closed_at: j.closedAt === null ? null : iso(j.closedAt),
      departments: j.departments.map((d) => ({ ...d, external_id: null })),
      offices: j.offices.map((o) => ({ ...o, external_id: null })),
      custom_fields: {},
    },
  ];
}

/** `candidate_stage_change`, `reject_candidate` and `hire_candidate` share the application block. */
export function applicationPayload(
  org: Org,
  baseUrl: string,
  action: 'candidate_stage_change' | 'hire_candidate' | 'reject_candidate',
  a: Application,
  c: Candidate,
): unknown {
  const stage = a.stageId === null ? undefined : org.stages.get(a.stageId);
  const application: Record<string, unknown> = {
    id: a.id,
    rejected_at: a.rejectedAt === null ? null : iso(a.rejectedAt),
    prospect: a.prospect,
    status: a.status,
    applied_at: iso(a.appliedAt),
    last_activity_at: iso(a.lastActivityAt),
    url: `${baseUrl}/people/${c.id}?application_id=${a.id}`,
    source: a.source,
    credited_to: userRef(a.creditedToId === null ? undefined : org.users.get(a.creditedToId)),
    rejection_reason: a.rejectionReason,
    rejection_details: null,
    current_stage: stage
      ? {
          id: stage.id,
          name: stage.name,
          interviews: stage.interviews.map((i) => ({
            id: i.id,
            name: i.name,
            status: 'to_be_scheduled',
            interview_kit: { url: null, content: '', questions: [] },
            interviewers: [],
          })),
        }
      : null,
    custom_fields: keyed(org, 'application', a.customFields),
    candidate: candidateBlock(org, baseUrl, c),
    jobs: jobsBlock(org, a),
  };
  if (action === 'hire_candidate') {
    // hire_candidate also carries the single `job` (open_date/close_date) and the opening and offer.
    const j = org.jobs.get(a.jobId);
    application.job = j
      ? {
          id: j.id,
          name: j.name,
          open_date: j.openedAt === null ? null : iso(j.openedAt),
          close_date: j.closedAt === null ? null : iso(j.closedAt),
          requisition_id: j.requisitionId,
          departments: j.departments.map((d) => ({ ...d, external_id: null })),
          offices: j.offices.map((o) => ({ ...o, external_id: null })),
          custom_fields: {},
        }
      : null;
    application.opening = { opening_id: null, custom_fields: [] };
    application.offer = null;
  }
  return { action, payload: { application } };
}

export function deleteCandidatePayload(c: Candidate, deletedApplicationIds: number[]): unknown {
  return {
    action: 'delete_candidate',
    payload: {
      person: {
        id: c.id,
        first_name: c.firstName,
        last_name: c.lastName,
        company: c.company,
        title: c.title,
        created_at: iso(c.createdAt),
        headline: null,
        is_private: c.isPrivate,
        recruiter_user_id: c.recruiterId,
        coordinator_user_id: c.coordinatorId,
        can_email: true,
        deleted_application_ids: deletedApplicationIds,
      },
    },
  };
}

export function anonymizedPayload(candidateId: number, fields: string[]): unknown {
  return {
    action: 'candidate_anonymized',
    payload: { candidate_id: candidateId, anonymized_fields: fields },
  };
}

/** docs/webhooks/merge_candidate.json: the merged-away candidate and the one it now lives on as. */
export function mergeCandidatePayload(c: Candidate, intoCandidateId: number): unknown {
  const person = (deleteCandidatePayload(c, []) as { payload: { person: Record<string, unknown> } }).payload
    .person;
  const { deleted_application_ids: _ignored, ...rest } = person;
  return { action: 'merge_candidate', payload: { person: { ...rest, new_candidate_id: intoCandidateId } } };
}
