import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickApplication } from '../../journeys/greenhouse-writeback.js';
import type { Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import { startSandbox } from '../../greenhouse-sandbox/index.js';
import type { Application } from '../../greenhouse-sandbox/model.js';
import { sandboxClient } from './helpers.js';

/**
 * Vendor mode's choice of application, on what the v3 client reads from the sandbox: active (not a
 * prospect, not rejected or hired), on the mapped job, the newest when several, and saying so.
 */

let sb: Sandbox;
let org: SeededOrg;

beforeAll(async () => {
  sb = await startSandbox({ orgs: [{ candidates: 12, jobs: 2 }], rateLimit: { v3: { limit: 10_000 } } });
  org = sb.orgs[0]!;
});
afterAll(async () => sb?.close());

/** Adds an application to the candidate in the sandbox's model (as a recruiter would). */
function apply(candidateId: number, jobId: number, o: Partial<Application> = {}): Application {
  const job = org.org.jobs.get(jobId)!;
  return org.org.addApplication({
    id: sb.state.ids.id(),
    candidateId,
    jobId,
    stageId: job.stageIds[0]!,
    status: 'active',
    prospect: false,
    appliedAt: sb.clock.now(),
    rejectedAt: null,
    lastActivityAt: sb.clock.now(),
    source: null,
    creditedToId: null,
    rejectionReason: null,
    attachments: [],
    customFields: new Map(),
    ...o,
  });
}

describe('vendor mode picks the application', () => {
  it('the newest active one on the mapped job, saying it was ambiguous', async () => {
    const [jobA, jobB] = org.org.jobs.all();
    const c = org.org.candidates.all()[0]!;
    for (const id of [...c.applicationIds]) org.org.applications.get(id)!.status = 'rejected';
    const older = apply(c.id, jobA!.id);
    const newer = apply(c.id, jobA!.id);
    apply(c.id, jobA!.id, { status: 'rejected' });
    apply(c.id, jobA!.id, { status: 'hired' });
    apply(c.id, jobA!.id, { prospect: true });
    apply(c.id, jobB!.id); // newest of all, but another job

    const client = sandboxClient(sb, org, 'v3');
    sb.requestLog.clear();
    const matches = await client.findCandidatesByEmail(c.emails[0]!.value, { jobId: jobA!.id });
    const picked = pickApplication(matches, jobA!.id);
    expect(picked.application?.id).toBe(newer.id);
    expect(picked.candidateId).toBe(c.id);
    expect(picked.reason).toBe(
      `ambiguous: 2 active applications to job ${jobA!.id} for this e-mail (${newer.id}, ${older.id}); chose the newest, ${newer.id}`,
    );
    // the applications were asked for with plural filters, scoped to the candidate and the job
    const apps = sb.requestLog.list({ api: 'v3', path: '/v3/applications' });
    expect(apps.map((r) => r.query)).toEqual([
      { candidate_ids: String(c.id), job_ids: String(jobA!.id), per_page: '500' },
    ]);

    // one active application: no ambiguity
    newer.status = 'hired';
    const single = pickApplication(
      await client.findCandidatesByEmail(c.emails[0]!.value, { jobId: jobA!.id }),
      jobA!.id,
    );
    expect(single).toEqual({
      application: expect.objectContaining({ id: older.id }),
      candidateId: c.id,
      reason: null,
    });

    // none active: says what there is instead, and finds nothing
    older.status = 'rejected';
    const none = pickApplication(
      await client.findCandidatesByEmail(c.emails[0]!.value, { jobId: jobA!.id }),
      jobA!.id,
    );
    expect(none.application).toBeNull();
    expect(none.reason).toBe(
      `the candidate's application to job ${jobA!.id} is not active (hired, prospect, rejected)`,
    );
  });

  it('across duplicate candidates with the same e-mail', async () => {
    const [jobA] = org.org.jobs.all();
    const first = org.org.candidates.all()[1]!;
    const second = org.org.candidates.all()[2]!;
    const email = first.emails[0]!.value;
    second.emails.push({ value: email.toUpperCase(), type: 'other' });
    org.org.indexEmail(email, second.id);
    for (const cand of [first, second])
      for (const id of [...cand.applicationIds]) org.org.applications.get(id)!.status = 'rejected';
    apply(first.id, jobA!.id);
    const theirs = apply(second.id, jobA!.id);
    const client = sandboxClient(sb, org, 'v3');
    const picked = pickApplication(await client.findCandidatesByEmail(email, { jobId: jobA!.id }), jobA!.id);
    expect(picked.application?.id).toBe(theirs.id);
    expect(picked.candidateId).toBe(second.id);
    expect(picked.reason).toMatch(/^ambiguous: 2 active applications .* on 2 candidates\); chose the newest/);
  });

  it('says when nobody has the e-mail, or nobody applied to the job', () => {
    expect(pickApplication([], 5).reason).toBe('no Greenhouse candidate has this e-mail address');
    expect(
      pickApplication(
        [
          {
            candidate: { id: 1, firstName: null, lastName: null, emails: [], applicationIds: [] },
            applications: [],
          },
        ],
        5,
      ).reason,
    ).toBe('the Greenhouse candidate with this e-mail has no application to job 5');
  });
});
