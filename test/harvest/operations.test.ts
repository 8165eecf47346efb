import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import type { HarvestClient } from '../../greenhouse/harvest/index.js';
import { checkHarvestPermissions, CAPABILITY_SETS, type Capability } from '../../greenhouse/harvest/index.js';
import { collect, sandboxClient, type Version } from './helpers.js';

let sb: Sandbox;
let org: SeededOrg;
let standard: SeededOrg;

beforeAll(async () => {
  sb = await startSandbox({
    // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
    v1: 'live',
    orgs: [{ candidates: 30 }, { candidates: 5, plan: 'standard' }],
    rateLimit: { v1: { limit: 1000, windowMs: 1000 }, v3: { limit: 1000, windowMs: 1000 } },
  });
  org = sb.orgs[0]!;
  standard = sb.orgs[1]!;
});
afterAll(async () => sb?.close());

const PDF = Buffer.from('%PDF-1.4 report').toString('base64');

describe.each<Version>(['v1', 'v3'])('Harvest %s operations against the sandbox', (version) => {
  let client: HarvestClient;
  beforeAll(() => {
    client = sandboxClient(sb, org, version);
  });

  it('lists jobs, stages and the hiring team', async () => {
    const jobs = await collect(client.listJobs());
    // v3 lists run newest first (id descending)
    const ids = org.org.jobs.all().map((j) => j.id);
    expect(jobs.map((j) => j.id)).toEqual(version === 'v3' ? [...ids].reverse() : ids);
    const job = jobs.find((j) => j.id === ids[0])!;
    expect(job).toMatchObject({ name: org.org.jobs.all()[0]!.name, status: 'open' });
    const stages = await client.listJobStages(job.id);
    expect(stages.map((s) => s.name)).toEqual([
      'Application Review',
      'Recruiter Phone Screen',
      'Take Home Test',
      'Face to Face',
      'Offer',
    ]);
    expect(stages.every((s) => s.jobId === job.id)).toBe(true);
    const team = await client.getHiringTeam(job.id);
    const model = org.org.jobs.get(job.id)!.hiringTeam;
    const byUser = <T extends { userId: number }>(xs: T[]) => [...xs].sort((x, y) => x.userId - y.userId);
    expect(byUser(team.filter((m) => m.role === 'hiring_manager')).map((m) => m.userId)).toEqual(
      byUser(model.hiringManagers).map((m) => m.userId),
    );
    expect(byUser(team.filter((m) => m.role === 'recruiter')).map((m) => [m.userId, m.responsible])).toEqual(
      byUser(model.recruiters).map((m) => [m.userId, m.responsible]),
    );
  });

  it('lists users with one shape (disabled, primaryEmail) and custom fields with options', async () => {
    const listed = await collect(client.listUsers({ perPage: 2 }));
    expect(listed).toHaveLength(org.org.users.size);
    const users = [...listed].sort((x, y) => x.id - y.id);
    expect(users[0]).toMatchObject({ id: org.siteAdmin.id, siteAdmin: true, disabled: false });
    expect(users[0]!.primaryEmail).toBe(org.siteAdmin.emails[0]);
    expect(users.at(-1)!.disabled).toBe(true);
    const appFields = await client.listCustomFields('application');
    const candFields = await client.listCustomFields('candidate');
    expect(appFields.every((f) => f.fieldType === 'application')).toBe(true);
    expect(candFields.every((f) => f.fieldType === 'candidate')).toBe(true);
    const select = appFields.find((f) => f.nameKey === 'application_single_select')!;
    expect(select.options.map((o) => o.name)).toEqual(['Low', 'Medium', 'High']);
    const templates = await collect(client.listEmailTemplates());
    expect(templates.map((t) => t.name)).toContain('Candidate Invitation');
  });

  it('finds a candidate by e-mail (exact, case-insensitive), with and without the job', async () => {
    const c = org.org.candidates.all().find((x) => x.applicationIds.length === 2)!;
    const email = c.emails[0]!.value;
    const all = await client.findCandidatesByEmail(email.toUpperCase());
    expect(all).toHaveLength(1);
    expect(all[0]!.candidate.id).toBe(c.id);
    expect(all[0]!.applications.map((a) => a.id).sort()).toEqual([...c.applicationIds].sort());
    const app = org.org.applications.get(c.applicationIds[1]!)!;
    const forJob = await client.findCandidatesByEmail(email, { jobId: app.jobId });
    expect(forJob[0]!.applications.map((a) => a.id)).toEqual([app.id]);
    const otherJob = org.org.jobs
      .all()
      .find((j) => !c.applicationIds.some((id) => org.org.applications.get(id)!.jobId === j.id));
    if (otherJob) expect(await client.findCandidatesByEmail(email, { jobId: otherJob.id })).toEqual([]);
    expect(await client.findCandidatesByEmail('nobody@example.com')).toEqual([]);
  });

  it('gets an application with flat job and stage ids, and its stage name', async () => {
    const a = org.org.applications.all()[3]!;
    const name = org.org.stages.get(a.stageId!)!.name;
    const got = await client.getApplication(a.id);
    expect(got).toMatchObject({ id: a.id, candidateId: a.candidateId, jobId: a.jobId, stageName: name });
    if (version === 'v1') {
      expect(got.stageId).toBe(a.stageId);
      return;
    }
    // today's reading: stage_id names an application-stage record, and the application has stage_name
    expect(got.stageId).not.toBe(a.stageId);
    const read = sb.requestLog.list({ api: 'v3', path: '/v3/applications' }).at(-1)!;
    expect(read.query).toEqual({ ids: String(a.id) }); // one record through ?ids=
    sb.readings.v3StageId = 'job_stage';
    try {
      const older = await client.getApplication(a.id);
      expect(older).toMatchObject({ stageId: a.stageId, stageName: name }); // name looked up
    } finally {
      sb.readings.v3StageId = 'application_stage';
    }
    await expect(client.getApplication(999_999_999)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('writes application and candidate custom fields, a note, an attachment, and moves the stage', async () => {
    const a = org.org.applications.all()[version === 'v1' ? 5 : 6]!;
    await client.updateApplicationCustomFields(a.id, [
      { nameKey: 'application_number', value: 87 },
      { nameKey: 'application_single_select', value: 'High' },
    ]);
    expect((await client.getApplication(a.id)).customFields.application_number).toBe(87);
    await client.updateApplicationCustomFields(a.id, [{ nameKey: 'application_number', delete: true }]);
    expect((await client.getApplication(a.id)).customFields.application_number ?? null).toBeNull();

    await client.updateCandidateCustomFields(a.candidateId, [
      { nameKey: 'candidate_short_text', value: `passed ${version}` },
    ]);
    const field = org.org.customFields.all().find((f) => f.nameKey === 'candidate_short_text')!;
    expect(org.org.candidates.get(a.candidateId)!.customFields.get(field.id)).toBe(`passed ${version}`);

    const note = await client.addCandidateNote(a.candidateId, {
      body: `Score 87 (${version})`,
      visibility: 'private',
    });
    expect(note.visibility).toBe('private');
    const stored = org.org.candidates.get(a.candidateId)!.notes.at(-1)!;
    expect(stored).toMatchObject({
      body: `Score 87 (${version})`,
      userId: org.siteAdmin.id,
      visibility: 'private',
    });

    const att = await client.addApplicationAttachment(a.id, {
      filename: 'report.pdf',
      type: 'other',
      content: PDF,
      contentType: 'application/pdf',
      visibility: 'public',
    });
    expect(att).toMatchObject({ filename: 'report.pdf', type: 'other' });
    expect(org.org.applications.get(a.id)!.attachments.at(-1)).toMatchObject({ visibility: 'public' });

    // Reading back what we wrote: how a retried activity sees that it need not write again.
    const notes = await client.listCandidateNotes(a.candidateId);
    expect(notes.filter((n) => n.body === `Score 87 (${version})`)).toHaveLength(1);
    const attachments = await client.listApplicationAttachments(a.id, a.candidateId);
    expect(attachments.filter((x) => x.filename === 'report.pdf')).toHaveLength(1);

    const stages = await client.listJobStages(a.jobId);
    const to = stages.find((s) => s.name === 'Offer')!;
    const current = await client.getApplication(a.id);
    await client.moveApplicationStage(a.id, { fromStageId: current.stageId!, toStageId: to.id });
    expect(org.org.applications.get(a.id)!.stageId).toBe(to.id);
    expect((await client.getApplication(a.id)).stageName).toBe('Offer');
  });

  it('reports permissions, all granted, with application custom fields available', async () => {
    const caps = Object.keys(
      (await import('../../greenhouse/harvest/index.js')).CAPABILITIES,
    ) as Capability[];
    const report = await checkHarvestPermissions(client, caps);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.every((c) => c.status === 'granted')).toBe(true);
    expect(report.applicationCustomFields).toMatchObject({ available: true, fallback: null });
    expect(report.auditUser.status).toBe('ok');
  });

  it('a standard-plan org falls back to candidate custom fields', async () => {
    const c = sandboxClient(sb, standard, version);
    const report = await checkHarvestPermissions(c, CAPABILITY_SETS.assessmentVendorMode);
    expect(report.applicationCustomFields).toMatchObject({ available: false, fallback: 'candidate' });
    expect(report.applicationCustomFields.message).toMatch(/candidate custom fields instead/);
    const a = standard.org.applications.all()[0]!;
    await expect(
      c.updateApplicationCustomFields(a.id, [{ nameKey: 'application_number', value: 1 }]),
    ).rejects.toMatchObject({
      kind: 'validation',
      message: expect.stringMatching(/^Greenhouse rejected the custom field value: /),
    });
  });
});

describe('permission check names what is missing', () => {
  it('v1: a HiPeople-style key lacks the vendor-mode permissions', async () => {
    const key = sb.admin.addV1Key(org.org.id, [
      'Candidates: Retrieve',
      'Applications: Retrieve',
      'Applications: Add attachment',
      'Jobs: Get hiring team',
      'Users: Retrieve',
      'Users: List',
    ]);
    const c = sandboxClient(sb, org, 'v1', { apiKey: key.key });
    const ref = await checkHarvestPermissions(c, [
      'get_applications',
      'add_attachments',
      'get_hiring_team',
      'list_users',
    ]);
    expect(ref.problems).toEqual([]);
    const report = await checkHarvestPermissions(c, [
      'add_attachments',
      'add_notes',
      'list_custom_fields',
      'move_applications',
    ]);
    expect(report.ok).toBe(false);
    expect(Object.fromEntries(report.checks.map((x) => [x.capability, x.status]))).toEqual({
      add_attachments: 'granted',
      add_notes: 'missing',
      list_custom_fields: 'missing',
      move_applications: 'missing',
    });
    expect(report.problems).toContain(
      'the Harvest credential lacks permission to add notes to candidates (Greenhouse permission "Candidates: Add note")',
    );
    expect(report.applicationCustomFields.available).toBeNull();
    // nothing was written by the probes
    const writes = sb.requestLog.list({ api: 'v1', credentialId: key.id }).filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((r) => r.status !== null && r.status < 300)).toEqual([]);
  });

  it('v3: a client without the attachment scope, and an unknown audit user in v1', async () => {
    const client = sb.admin.addV3Client(org.org.id, {
      scopes: ['harvest:applications:list', 'harvest:candidates:list', 'harvest:users:list'],
    });
    const c = sandboxClient(sb, org, 'v3', { clientId: client.clientId, clientSecret: client.clientSecret });
    const report = await checkHarvestPermissions(c, ['get_applications', 'add_attachments', 'list_users']);
    expect(report.checks.map((x) => x.status)).toEqual(['granted', 'missing', 'granted']);
    expect(report.problems).toEqual([
      'the Harvest credential lacks permission to add attachments to applications (scope harvest:attachments:create)',
    ]);
    const v1 = sandboxClient(sb, org, 'v1', { auditUserId: 999 });
    const r1 = await checkHarvestPermissions(v1, ['add_notes']);
    expect(r1.auditUser).toMatchObject({ status: 'missing', message: 'audit user 999 does not exist' });
    expect(r1.ok).toBe(false);
  });
});
