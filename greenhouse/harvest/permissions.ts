import { z } from 'zod';
import type { OperationInfo } from './errors.js';
import { HarvestError } from './errors.js';
import type { HarvestRequest, HarvestTransport } from './transport.js';
import type { HarvestClient } from './types.js';
import { V3 } from './v3-shapes.js';

/** What a connection may need to do; the permission check probes each one once. */
export const CAPABILITIES = {
  list_jobs: 'list jobs',
  list_job_stages: 'list the stages of jobs',
  get_hiring_team: 'get the hiring team of jobs',
  list_users: 'list users',
  list_custom_fields: 'list custom fields',
  list_email_templates: 'list e-mail templates',
  get_candidates: 'get candidates',
  get_applications: 'get applications',
  update_applications: 'update applications (custom fields)',
  update_candidates: 'edit candidates (custom fields)',
  add_notes: 'add notes to candidates',
  add_attachments: 'add attachments to applications',
  move_applications: 'move applications between stages',
} as const;
export type Capability = keyof typeof CAPABILITIES;

/** The sets the seed vendors ask for (greenhouse.md §3.4). */
export const CAPABILITY_SETS: Record<'assessmentVendorMode' | 'referenceCheck', Capability[]> = {
  assessmentVendorMode: [
    'list_jobs',
    'list_job_stages',
    'list_users',
    'list_custom_fields',
    'list_email_templates',
    'get_candidates',
    'get_applications',
    'update_applications',
    'update_candidates',
    'add_notes',
    'add_attachments',
    'move_applications',
  ],
  referenceCheck: ['get_candidates', 'get_applications', 'add_attachments', 'get_hiring_team', 'list_users'],
};

export interface CapabilityCheck {
  capability: Capability;
  status: 'granted' | 'missing' | 'unknown';
  /** plain words, e.g. "the Harvest credential lacks permission to add attachments to applications" */
  message: string;
}

export interface PermissionReport {
  version: 'v1' | 'v3';
  /** every needed capability granted, credential and audit user valid */
  ok: boolean;
  credentialValid: boolean;
  checks: CapabilityCheck[];
  auditUser: { id: number | null; status: 'ok' | 'missing' | 'unknown' | 'not_configured'; message: string };
  applicationCustomFields: {
    available: boolean | null;
    /** where results go when application custom fields are unavailable */
    fallback: 'candidate' | null;
    message: string;
  };
  /** one plain sentence per problem, for the operator */
  problems: string[];
}

interface Probe {
  requests: HarvestRequest[];
}

/**
 * Reads are a cheap list call with one item per page. Writes are a harmless probe: the write aimed at
 * a resource that cannot exist (id 0) or with an empty body, which Greenhouse answers 401/403 when the
 * credential lacks the permission (checked before the resource) and 404/422 when it has it; nothing is
 * ever written. A v1 probe carries On-Behalf-Of like a real write.
 */
function probes(version: 'v1' | 'v3', cap: Capability, jobId: number): Probe {
  const get = (path: string, query: Record<string, string | number> = {}): HarvestRequest => ({
    method: 'GET',
    path,
    query,
  });
  const one = { per_page: 1 };
  if (version === 'v1') {
    switch (cap) {
      case 'list_jobs':
        return { requests: [get('/v1/jobs', one)] };
      case 'list_job_stages':
        return { requests: [get(`/v1/jobs/${jobId}/stages`)] };
      case 'get_hiring_team':
        return { requests: [get(`/v1/jobs/${jobId}/hiring_team`)] };
      case 'list_users':
        return { requests: [get('/v1/users', one)] };
      case 'list_custom_fields':
        return { requests: [get('/v1/custom_fields/candidate', one)] };
      case 'list_email_templates':
        return { requests: [get('/v1/email_templates', one)] };
      case 'get_candidates':
        return { requests: [get('/v1/candidates', one)] };
      case 'get_applications':
        return { requests: [get('/v1/applications/0')] };
      case 'update_applications':
        return { requests: [{ method: 'PATCH', path: '/v1/applications/0', body: {} }] };
      case 'update_candidates':
        return { requests: [{ method: 'PATCH', path: '/v1/candidates/0', body: {} }] };
      case 'add_notes':
        return { requests: [{ method: 'POST', path: '/v1/candidates/0/activity_feed/notes', body: {} }] };
      case 'add_attachments':
        return { requests: [{ method: 'POST', path: '/v1/applications/0/attachments', body: {} }] };
      case 'move_applications':
        return { requests: [{ method: 'POST', path: '/v1/applications/0/move', body: {} }] };
    }
  }
  const p = V3.paths;
  const page = { [V3.pageSizeParam]: 1 };
  switch (cap) {
    case 'list_jobs':
      return { requests: [get(p.jobs, page)] };
    case 'list_job_stages':
      return { requests: [get(p.jobStages, page)] };
    case 'get_hiring_team':
      return { requests: [get(p.hiringManagers, page), get(p.jobOwners, page)] };
    case 'list_users':
      return { requests: [get(p.users, page)] };
    case 'list_custom_fields':
      return { requests: [get(p.customFields, page), get(p.customFieldOptions, page)] };
    case 'list_email_templates':
      return { requests: [get(p.emailTemplates, page)] };
    case 'get_candidates':
      return { requests: [get(p.candidates, page)] };
    case 'get_applications':
      return { requests: [get(p.applications, page)] };
    case 'update_applications':
      return { requests: [{ method: 'PATCH', path: p.application(0), body: {} }] };
    case 'update_candidates':
      return { requests: [{ method: 'PATCH', path: p.candidate(0), body: {} }] };
    case 'add_notes':
      return { requests: [{ method: 'POST', path: p.notes, body: {} }] };
    case 'add_attachments':
      return { requests: [{ method: 'POST', path: p.attachments, body: {} }] };
    case 'move_applications':
      return { requests: [{ method: 'POST', path: p.moveApplication(0), body: {} }] };
  }
}

const anything = z.unknown();

function transportOf(client: HarvestClient): HarvestTransport {
  const t = (client as { transport?: HarvestTransport }).transport;
  if (!t) throw new Error('checkHarvestPermissions needs a client made by createHarvestClient');
  return t;
}

/** Call each needed endpoint once and say, in plain words, what is granted and what is missing. */
export async function checkHarvestPermissions(
  client: HarvestClient,
  needed: readonly Capability[],
): Promise<PermissionReport> {
  const t = transportOf(client);
  const version = client.version;
  let credentialValid = true;
  const problems: string[] = [];

  // A real job id makes the v1 stage/team probes plain reads; without one, job 0 (404 = granted).
  let jobId = 0;
  if (version === 'v1' && (needed.includes('list_job_stages') || needed.includes('get_hiring_team'))) {
    try {
      const r = await t.send(
        ops('list_jobs'),
        { method: 'GET', path: '/v1/jobs', query: { per_page: 1 } },
        anything,
      );
      const first = Array.isArray(r.data) ? (r.data[0] as { id?: unknown } | undefined) : undefined;
      if (typeof first?.id === 'number') jobId = first.id;
    } catch {
      /* the list_jobs check reports it */
    }
  }

  const checks: CapabilityCheck[] = [];
  for (const cap of [...new Set(needed)]) {
    const words = CAPABILITIES[cap];
    let status: CapabilityCheck['status'] = 'granted';
    let message = `the Harvest credential may ${words}`;
    for (const req of probes(version, cap, jobId).requests) {
      try {
        await t.send({ ...ops(cap), write: req.method !== 'GET' }, req, anything);
      } catch (err) {
        if (!(err instanceof HarvestError)) throw err;
        if (err.kind === 'not_found' || err.kind === 'validation') continue; // reached the resource: granted
        if (err.kind === 'forbidden') {
          status = 'missing';
          message = err.message;
        } else if (err.kind === 'unauthorized') {
          credentialValid = false;
          status = 'missing';
          message = err.message;
        } else {
          status = 'unknown';
          message = `could not check whether the Harvest credential may ${words}: ${err.message}`;
        }
        break;
      }
    }
    checks.push({ capability: cap, status, message });
    if (status !== 'granted') problems.push(message);
  }

  // The audit user: On-Behalf-Of (v1) or sub (v3).
  const auditUser: PermissionReport['auditUser'] = {
    id: client.auditUserId,
    status: 'unknown',
    message: '',
  };
  const writes = needed.some((c) =>
    [
      'update_applications',
      'update_candidates',
      'add_notes',
      'add_attachments',
      'move_applications',
    ].includes(c),
  );
  if (client.auditUserId === null) {
    auditUser.status = writes ? 'not_configured' : 'unknown';
    auditUser.message = 'no audit user is configured; Greenhouse needs one for every write';
    if (writes) problems.push(auditUser.message);
  } else if (version === 'v1') {
    try {
      await t
        .send(
          { name: 'getUser', permission: 'retrieve users', resource: `user ${client.auditUserId}` },
          { method: 'GET', path: `/v1/users/${client.auditUserId}` },
          z.object({ disabled: z.boolean().nullish() }).loose(),
        )
        .then((r) => {
          if (r.data.disabled) {
            auditUser.status = 'missing';
            auditUser.message = `audit user ${client.auditUserId} is disabled in Greenhouse`;
          } else {
            auditUser.status = 'ok';
            auditUser.message = `audit user ${client.auditUserId} exists`;
          }
        });
    } catch (err) {
      if (err instanceof HarvestError && err.kind === 'not_found') {
        auditUser.status = 'missing';
        auditUser.message = `audit user ${client.auditUserId} does not exist`;
      } else {
        auditUser.message = `audit user ${client.auditUserId} could not be checked (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    if (auditUser.status === 'missing') problems.push(auditUser.message);
  } else {
    // v3: the `sub` must be an active Site Admin, asked directly (`/v3/users?ids=`): a non-admin may
    // get empty lists rather than 403s [S], so refusals prove nothing.
    const id = client.auditUserId;
    try {
      const r = await t.send(
        { name: 'getUser', permission: 'list users', resource: `user ${id}` },
        { method: 'GET', path: V3.paths.users, query: V3.query.byIds([id]) },
        z.array(
          z
            .object({ id: z.number(), deactivated: z.boolean().nullish(), site_admin: z.boolean().nullish() })
            .loose(),
        ),
      );
      const user = r.data.find((u) => u.id === id);
      if (!user) {
        auditUser.status = 'missing';
        auditUser.message = `audit user ${id} is not visible through Harvest: it does not exist or is not a Site Admin, which Harvest v3 needs for listing`;
      } else if (user.deactivated) {
        auditUser.status = 'missing';
        auditUser.message = `audit user ${id} is deactivated in Greenhouse`;
      } else if (!user.site_admin) {
        auditUser.status = 'missing';
        auditUser.message = `audit user ${id} is not a Site Admin, which Harvest v3 needs for listing (lists may come back empty)`;
      } else {
        auditUser.status = 'ok';
        auditUser.message = `audit user ${id} is an active Site Admin`;
      }
    } catch (err) {
      if (err instanceof HarvestError && err.kind === 'forbidden' && !err.permission) {
        auditUser.status = 'missing';
        auditUser.message = `audit user ${id} is not a Site Admin, which Harvest v3 needs for listing`;
      } else {
        auditUser.message = `audit user ${id} could not be checked (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    if (auditUser.status === 'missing') problems.push(auditUser.message);
  }

  // Application custom fields exist on Enterprise plans only: otherwise write candidate fields.
  const applicationCustomFields: PermissionReport['applicationCustomFields'] = {
    available: null,
    fallback: null,
    message: 'not checked (listing custom fields is not permitted)',
  };
  const cfCheck = checks.find((c) => c.capability === 'list_custom_fields');
  if (!cfCheck || cfCheck.status === 'granted') {
    try {
      const fields = await client.listCustomFields('application');
      applicationCustomFields.available = fields.length > 0;
      applicationCustomFields.fallback = fields.length > 0 ? null : 'candidate';
      applicationCustomFields.message =
        fields.length > 0
          ? `application custom fields are available (${fields.length})`
          : 'application custom fields are not available in this Greenhouse account (Enterprise plans only): results go to candidate custom fields instead';
    } catch (err) {
      applicationCustomFields.message = `application custom fields could not be checked (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  if (!credentialValid) problems.unshift('Greenhouse rejected the Harvest credential');
  return {
    version,
    ok: problems.length === 0,
    credentialValid,
    checks,
    auditUser,
    applicationCustomFields,
    problems: [...new Set(problems)],
  };
}

function ops(cap: Capability): OperationInfo {
  return { name: `permissionCheck:${cap}`, permission: CAPABILITIES[cap] };
}
