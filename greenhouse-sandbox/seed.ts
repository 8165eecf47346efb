import { ASSUMPTIONS } from './assumptions.js';
import type { CredentialStore, V1Key, V3Client } from './credentials.js';
import type { Candidate, CustomField, IntegrationSettings, Job, User, ValueType } from './model.js';
import { VALUE_TYPES } from './model.js';
import type { SandboxState } from './store.js';
import { Org } from './store.js';

/** What to generate for one organisation. Same spec (and same order of orgs) → same data and ids. */
export interface OrgSeed {
  name?: string;
  candidates?: number;
  jobs?: number;
  users?: number;
  plan?: 'enterprise' | 'standard';
  /** Notes and attachments spread round-robin over the candidates / applications (scale tests). */
  notes?: number;
  attachments?: number;
  /** PRNG seed; defaults to the org's position */
  seed?: number;
  integration?: Partial<IntegrationSettings>;
}

export interface SeededOrg {
  org: Org;
  siteAdmin: User;
  credentials: { v1: V1Key; v3: V3Client };
}

/** mulberry32: tiny, fast, deterministic (also the fault suite's seeded randomness). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Some names carry non-ASCII letters on purpose: webhook signatures must cover escaped unicode.
const FIRST = [
  'Ada',
  'José',
  'Zoë',
  'Łukasz',
  'Søren',
  'Renée',
  'Grace',
  'Alan',
  'Mei',
  'Olu',
  'Ines',
  'Karl',
  'Priya',
  'Tomás',
  'Hana',
  'Noah',
];
const LAST = [
  'Lovelace',
  'García',
  'Müller',
  'Kowalski',
  'Ødegaard',
  'Dubois',
  'Hopper',
  'Turing',
  'Chen',
  'Adeyemi',
  'Silva',
  'Berg',
  'Patel',
  'Núñez',
  'Sato',
  'Smith',
];
const JOBS = [
  'Backend Engineer',
  'Data Scientist',
  'Product Designer',
  'Site Reliability Engineer',
  'Account Executive',
  'Campus Hire 2026',
];
const STAGES: { name: string; takeHomeTest: boolean }[] = [
  { name: 'Application Review', takeHomeTest: false },
  { name: 'Recruiter Phone Screen', takeHomeTest: false },
  { name: 'Take Home Test', takeHomeTest: true },
  { name: 'Face to Face', takeHomeTest: false },
  { name: 'Offer', takeHomeTest: false },
];
const BASE_TIME = Date.UTC(2025, 0, 6, 9, 0, 0);

const ascii = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[Łł]/g, 'l')
    .replace(/[Øø]/g, 'o')
    .toLowerCase();

const pick = <T>(arr: readonly T[], i: number): T => arr[((i % arr.length) + arr.length) % arr.length] as T;

const emptyIntegration = (): IntegrationSettings => ({
  partnerApi: null,
  callbackAuth: { kind: 'basic_key', key: '' },
  webhook: null,
});

/** Generate one organisation with its users, jobs, stages, custom fields, candidates and credentials. */
export function seedOrg(
  state: SandboxState,
  creds: CredentialStore,
  spec: OrgSeed = {},
  position = state.orgs.size,
): SeededOrg {
  const rnd = prng(spec.seed ?? position + 1);
  const ids = state.ids;
  // Readable id ranges per org: org n starts at n * 1,000,000 (ids stay unique across orgs).
  ids.atLeast((position + 1) * 1_000_000);
  const orgId = ids.id();
  const slug = `org${orgId}`;
  const callbackAuth: IntegrationSettings['callbackAuth'] =
    ASSUMPTIONS.callbackAuthDefault === 'basic_key'
      ? { kind: 'basic_key', key: `callback_${slug}` }
      : { kind: 'bearer', token: `callback_${slug}` };
  const integration: IntegrationSettings = { ...emptyIntegration(), callbackAuth, ...spec.integration };
  const org = state.addOrg(
    new Org(orgId, spec.name ?? `Sandbox Org ${position + 1}`, spec.plan ?? 'enterprise', integration),
  );

  // Users: the first is the Site Admin (the audit user for attachments); one disabled user.
  const nUsers = Math.max(3, spec.users ?? 6);
  for (let i = 0; i < nUsers; i++) {
    const first = i === 0 ? 'Sam' : pick(FIRST, i + 3);
    const last = i === 0 ? 'Admin' : pick(LAST, i * 5 + 1);
    const t = BASE_TIME - (nUsers - i) * 86_400_000;
    org.users.add({
      id: ids.id(),
      firstName: first,
      lastName: last,
      emails: [`${ascii(first)}.${ascii(last)}.${i}@${slug}.example.com`],
      siteAdmin: i === 0,
      disabled: i === nUsers - 1,
      employeeId: i % 2 === 0 ? `E${1000 + i}` : null,
      createdAt: t,
      updatedAt: t,
    });
  }
  const users = org.users.all();
  const active = users.filter((u) => !u.disabled);
  const member = (u: User, responsible: boolean) => ({ userId: u.id, responsible, active: !u.disabled });

  // Jobs, each with the same interview plan (one take-home-test stage for the partner).
  const nJobs = Math.max(1, spec.jobs ?? 3);
  const jobs: Job[] = [];
  for (let j = 0; j < nJobs; j++) {
    const t = BASE_TIME + j * 3_600_000;
    const job: Job = org.jobs.add({
      id: ids.id(),
      name: nJobs > JOBS.length ? `${pick(JOBS, j)} ${Math.floor(j / JOBS.length) + 1}` : pick(JOBS, j),
      requisitionId: `REQ-${orgId}-${j + 1}`,
      notes: null,
      confidential: false,
      status: 'open',
      createdAt: t,
      openedAt: t,
      closedAt: null,
      updatedAt: t,
      departments: [{ id: 10 + (j % 3), name: pick(['Engineering', 'Data', 'Sales'], j) }],
      offices: [{ id: 20, name: 'Remote', location: 'Remote' }],
      stageIds: [],
      hiringTeam: {
        hiringManagers: [member(pick(active, j + 1), false)],
        recruiters: [member(pick(active, j), true), member(pick(users, nUsers - 1), false)],
        coordinators: [member(pick(active, j + 2), true)],
        sourcers: [member(pick(active, j + 1), false)],
      },
    });
    STAGES.forEach((s, p) => {
      const id = ids.id();
      org.stages.set(id, {
        id,
        jobId: job.id,
        name: s.name,
        priority: p,
        active: true,
        takeHomeTest: s.takeHomeTest,
        interviews: [{ id: ids.id(), name: s.takeHomeTest ? 'Take Home Test' : s.name }],
        createdAt: t,
        updatedAt: t,
      });
      job.stageIds.push(id);
    });
    jobs.push(job);
  }

  // Custom fields: one candidate field and one application field of every value type.
  const fields: Record<'candidate' | 'application', Map<ValueType, CustomField>> = {
    candidate: new Map(),
    application: new Map(),
  };
  let priority = 0;
  for (const fieldType of ['candidate', 'application'] as const) {
    for (const vt of VALUE_TYPES) {
      const selectable = vt === 'single_select' || vt === 'multi_select';
      const field: CustomField = org.customFields.add({
        id: ids.id(),
        name: `${fieldType === 'candidate' ? 'Candidate' : 'Application'} ${vt.replace(/_/g, ' ')}`,
        nameKey: `${fieldType}_${vt}`,
        fieldType,
        valueType: vt,
        private: false,
        required: false,
        active: true,
        priority: priority++,
        description: null,
        options: selectable
          ? ['Low', 'Medium', 'High'].map((name, k) => ({
              id: ids.id(),
              name,
              priority: k,
              externalId: k === 0 ? name.toLowerCase() : null,
            }))
          : [],
        createdAt: BASE_TIME,
      });
      fields[fieldType].set(vt, field);
    }
  }
  org.customFields.add({
    id: ids.id(),
    name: 'Employment Type',
    nameKey: 'employment_type',
    fieldType: 'job',
    valueType: 'single_select',
    private: false,
    required: false,
    active: true,
    priority,
    description: null,
    options: [{ id: ids.id(), name: 'Full-time', priority: 0, externalId: null }],
    createdAt: BASE_TIME,
  });

  for (const [k, name] of ['Candidate Invitation', 'Take Home Test Reminder', 'Rejection'].entries()) {
    org.emailTemplates.add({
      id: ids.id(),
      name,
      description: null,
      isDefault: k === 0,
      type: k === 2 ? 'candidate_rejection' : 'candidate_email',
      from: null,
      cc: [],
      body: null,
      htmlBody: `<p>${name} for {{CANDIDATE_NAME}}</p>`,
      userId: k === 1 ? (users[0]?.id ?? null) : null,
      createdAt: BASE_TIME,
      updatedAt: BASE_TIME,
    });
  }

  // Candidates: one application each; every 10th also applies to a second job.
  const nCand = spec.candidates ?? 10;
  const source = { id: 2, public_name: 'Jobs page on your website' };
  const shortText = fields.candidate.get('short_text');
  for (let i = 0; i < nCand; i++) {
    const first = pick(FIRST, Math.floor(rnd() * FIRST.length));
    const last = pick(LAST, Math.floor(rnd() * LAST.length));
    const t = BASE_TIME + i * 60_000;
    const cid = ids.id();
    const c: Candidate = {
      id: cid,
      firstName: first,
      lastName: last,
      company: i % 3 === 0 ? null : 'Acme Corp',
      title: i % 4 === 0 ? null : 'Engineer',
      isPrivate: false,
      createdAt: t,
      updatedAt: t,
      lastActivity: t,
      emails: [{ value: `${ascii(first)}.${ascii(last)}.${i}@example.com`, type: 'personal' }],
      phones: [{ value: `+1 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`, type: 'mobile' }],
      tags: i % 5 === 0 ? ['Campus'] : [],
      applicationIds: [],
      attachments: [],
      notes: [],
      customFields: new Map(),
      recruiterId: pick(active, i).id,
      coordinatorId: null,
      anonymized: false,
    };
    if (shortText && i % 7 === 0) c.customFields.set(shortText.id, `seeded ${i}`);
    org.addCandidate(c);
    const nApps = i % 10 === 9 && jobs.length > 1 ? 2 : 1;
    for (let a = 0; a < nApps; a++) {
      const job = pick(jobs, i + a);
      // Spread candidates over the first stages; few are past the take-home test.
      const stageIdx = Math.min(Math.floor(rnd() * 4), 3);
      org.addApplication({
        id: ids.id(),
        candidateId: cid,
        jobId: job.id,
        stageId: job.stageIds[stageIdx] ?? null,
        status: 'active',
        prospect: false,
        appliedAt: t,
        rejectedAt: null,
        lastActivityAt: t,
        source,
        creditedToId: null,
        rejectionReason: null,
        attachments: [],
        customFields: new Map(),
      });
    }
  }

  // Bulk history: plain records, no rendering (50,000 of each add about half a second).
  const allCandidates = org.candidates.all();
  const allApplications = org.applications.all();
  const author = users[0]?.id ?? 0;
  for (let i = 0; i < (spec.notes ?? 0) && allCandidates.length; i++) {
    const c = allCandidates[i % allCandidates.length]!;
    c.notes.push({
      id: ids.id(),
      candidateId: c.id,
      applicationId: c.applicationIds[0] ?? null,
      noteType: 'note',
      userId: author,
      body: `Seeded note ${i}`,
      visibility: 'private',
      createdAt: BASE_TIME,
    });
  }
  for (let i = 0; i < (spec.attachments ?? 0) && allApplications.length; i++) {
    const a = allApplications[i % allApplications.length]!;
    const id = ids.id();
    a.attachments.push({
      id,
      filename: `seeded-${i}.pdf`,
      type: 'other',
      contentType: 'application/pdf',
      visibility: 'admin_only',
      content: null,
      sourceUrl: `https://files.example.com/seeded/${id}.pdf`,
      createdAt: BASE_TIME,
    });
  }

  const siteAdmin = org.siteAdmin() as User;
  const v1 = creds.addV1(orgId, { key: `ghv1_${slug}_full`, permissions: 'all' });
  const v3 = creds.addV3(orgId, { clientId: `ghv3_${slug}`, clientSecret: `secret_${slug}`, scopes: 'all' });
  return { org, siteAdmin, credentials: { v1, v3 } };
}
