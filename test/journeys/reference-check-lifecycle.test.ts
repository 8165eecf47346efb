import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceCheckStateQuery } from '../../workflows/reference-check/contract.js';
import { waitFor } from '../../harness/processes.js';
import {
  startReferenceCheckStack,
  type DirectPolicy,
  type ReferenceCheckStack,
} from '../helpers/reference-check-stack.js';

// Reference checks on the real stack (Temporal dev server, PostgreSQL, SMTP server, Greenhouse
// sandbox, our API and worker), driven over HTTP like a browser without JavaScript would.
// Timing-dependent cases start the workflow with a policy measured in seconds.

type Row = { name: string; email: string; relationship: string; company?: string };

describe('reference-check journey', () => {
  let stack: ReferenceCheckStack;
  let n = 0;
  beforeAll(async () => {
    stack = await startReferenceCheckStack({
      sandbox: { orgs: [{ name: 'Acme', candidates: 12, plan: 'enterprise' }] },
      // This mailbox does not exist: the receiving server refuses it (a bounce).
      smtp: { rejectRecipients: ['nobody.bn@globex.example'] },
    });
    // Rejections reach us as signed webhooks from the sandbox.
    const mode = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/webhook_trigger/activate`,
      {},
    );
    await stack.sb.admin.configureIntegration(stack.org.org.id, {
      webhook: {
        url: `${stack.api.url}/webhooks/greenhouse/${stack.tenantId}`,
        secret: String(mode.body!.webhookSecret),
        ping: true,
      },
    });
  });
  afterAll(async () => stack?.close());

  const applications = () => stack.sb.state.org(stack.org.org.id)!.applications.all();
  const candidateOf = (applicationId: number) => {
    const gh = stack.sb.state.org(stack.org.org.id)!;
    return gh.candidates.get(gh.applications.get(applicationId)!.candidateId)!;
  };

  /** Starts the check the way the starter does, with deadlines in seconds. */
  const startDirect = (policy: DirectPolicy & { deadlineSeconds: number }) =>
    stack.startReferenceCheckDirect(n++, { nominationSeconds: 60, refereeSeconds: 120, ...policy });

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  async function nominate(link: string, rows: Row[], ip = '203.0.113.10') {
    const fields: Record<string, string> = {};
    rows.forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) fields[`r${i}.${k}`] = v;
    });
    const res = await fetch(link, {
      ...form(fields),
      headers: { ...form({}).headers, 'x-forwarded-for': ip },
    });
    return { status: res.status, html: await res.text() };
  }
  async function answer(link: string, ip = '198.51.100.20', ratings = { quality: '4', teamwork: '5' }) {
    await fetch(link, { headers: { 'x-forwarded-for': ip } }); // opens the page
    await new Promise((r) => setTimeout(r, 1100)); // slower than the template's minimum
    const page = await fetch(link, { headers: { 'x-forwarded-for': ip } });
    const openedAt = /name="openedAt" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(link, {
      ...form({
        action: 'submit',
        openedAt,
        'q:quality': ratings.quality,
        'q:teamwork': ratings.teamwork,
        'q:comments': 'Reliable.',
      }),
      headers: { ...form({}).headers, 'x-forwarded-for': ip },
    });
    return { status: res.status, html: await res.text() };
  }
  const decline = (link: string) =>
    fetch(link, form({ action: 'decline', declineReason: 'I barely know them' }));
  const threeReferees = (tag: string): Row[] => [
    { name: 'Mia Manager', email: `mia.${tag}@globex.example`, relationship: 'manager', company: 'Globex' },
    { name: 'Pete Peer', email: `pete.${tag}@globex.example`, relationship: 'peer' },
    { name: 'Cleo Client', email: `cleo.${tag}@initech.example`, relationship: 'client' },
  ];

  it('completes partially at the deadline with the answers that arrived', async () => {
    // Each referee has 6 s; the whole check 14 s.
    const { journeyId, handle, applicationId } = await startDirect({
      deadlineSeconds: 14,
      refereeSeconds: 6,
    });
    const link = await stack.nominationLink(journeyId);
    expect((await nominate(link, threeReferees('dl'))).status).toBe(200);
    const [first] = await stack.referees(journeyId);
    expect((await answer(await stack.refereeLink(first!.id))).status).toBe(200);

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'complete', partial: true, answered: 1, quorum: 2 });
    // The two who never answered expired; the candidate was offered a replacement for each.
    expect(result.referees.map((r) => r.status)).toEqual(['answered', 'expired', 'expired']);
    const replaceMails = stack.smtp.messages.filter((m) =>
      m.idempotencyKey?.startsWith(`${journeyId}:replace_referee:`),
    );
    expect(replaceMails).toHaveLength(2);
    expect(replaceMails[0]!.parts.find((p) => p.contentType === 'text/plain')!.body).toContain(
      'did not answer in time',
    );
    const journey = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(journey.statusDetail).toBe('partial: 1 of 2 referees answered (deadline reached)');
    expect(journey.score).toBe(4.5);
    expect(
      await stack.database.db.referenceCheckResult.findUniqueOrThrow({ where: { journeyId } }),
    ).toMatchObject({ partial: true, answered: 1, quorum: 2, meanRating: 4.5, reason: 'deadline' });
    await waitFor(
      'the report in Greenhouse',
      async () => stack.greenhouse(applicationId).attachments.length === 1,
      30_000,
    );
    expect(stack.greenhouse(applicationId).notes.filter((n) => n.body?.includes(journeyId))).toHaveLength(1);
    expect(stack.greenhouse(applicationId).notes.find((n) => n.body?.includes(journeyId))!.body).toContain(
      '1 of 2 referees answered, mean rating 4.5 of 5 (partial)',
    );
  });

  it('force-completes on an operator request, with the reason', async () => {
    const { journeyId, handle, applicationId } = await startDirect({ deadlineSeconds: 600 });
    expect((await nominate(await stack.nominationLink(journeyId), threeReferees('fc'))).status).toBe(200);
    const [first] = await stack.referees(journeyId);
    await answer(await stack.refereeLink(first!.id));
    await waitFor(
      'the answer counted',
      async () => (await handle.query(referenceCheckStateQuery)).answered === 1,
      20_000,
    );
    // Operators see where each referee stands (no names, no answers).
    const detail = await stack.api.call('GET', `/operator/journeys/${encodeURIComponent(journeyId)}`);
    expect(detail.status).toBe(200);
    expect((detail.body!.referees as { status: string }[]).map((r) => r.status)).toEqual([
      'answered',
      'requested',
      'requested',
    ]);
    expect(JSON.stringify(detail.body)).not.toContain('globex.example');

    const bad = await stack.api.call('POST', `/operator/journeys/${journeyId}/force-complete`, {
      reason: '',
    });
    expect(bad.status).toBe(400);
    const forced = await stack.api.call('POST', `/operator/journeys/${journeyId}/force-complete`, {
      reason: 'hiring manager decided',
      by: 'support@vendor.example',
    });
    expect(forced.status).toBe(200);
    expect(await handle.result()).toMatchObject({ status: 'complete', partial: true, answered: 1 });
    expect(
      (await stack.database.db.referenceCheckResult.findUniqueOrThrow({ where: { journeyId } })).reason,
    ).toBe('completed by support@vendor.example: hiring manager decided');
    const again = await stack.api.call('POST', `/operator/journeys/${journeyId}/force-complete`, {
      reason: 'twice',
    });
    expect(again.status).toBe(409);
    await waitFor(
      'the report in Greenhouse',
      async () => stack.greenhouse(applicationId).attachments.length === 1,
      30_000,
    );
  });

  it('lets the candidate replace a referee who declined, and notes a shared IP as a signal', async () => {
    const { journeyId, handle } = await startDirect({ deadlineSeconds: 600 });
    const candidateIp = '203.0.113.77';
    await nominate(await stack.nominationLink(journeyId), threeReferees('rp'), candidateIp);
    const [mia, pete, cleo] = await stack.referees(journeyId);
    expect((await decline(await stack.refereeLink(pete!.id))).status).toBe(200);
    // The candidate is told and may name someone else: the page offers one row.
    const replaceLink = await stack.nominationLink(journeyId, 'replace_referee', 1);
    const page = await (await fetch(replaceLink)).text();
    expect(page).toContain('Pete Peer declined');
    expect(page).toContain('r1.name'); // two of four still asked: room for two more
    expect(page).not.toContain('r2.name');
    const replaced = await nominate(
      replaceLink,
      [{ name: 'Paula Peer', email: 'paula.rp@globex.example', relationship: 'peer' }],
      candidateIp,
    );
    expect(replaced.status).toBe(200);
    const paula = (await stack.referees(journeyId))[3]!;
    expect(paula).toMatchObject({ position: 4, status: expect.stringMatching(/nominated|requested/) });

    // Cleo answers from the candidate's own IP address; Paula from her own.
    await answer(await stack.refereeLink(cleo!.id), candidateIp);
    await answer(await stack.refereeLink(paula.id), '198.51.100.99');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'complete', partial: false, answered: 2 });
    expect(result.referees.map((r) => r.status)).toEqual(['requested', 'declined', 'answered', 'answered']);
    const stored = await stack.referees(journeyId);
    const kinds = (id: string) =>
      (stored.find((r) => r.id === id)!.fraudSignals as { kind: string }[]).map((s) => s.kind);
    expect(kinds(cleo!.id)).toContain('shared_ip');
    expect(kinds(paula.id)).not.toContain('shared_ip');
    expect(mia).toBeDefined();
  });

  it('a rejection in Greenhouse stops the check and every referee request', async () => {
    const { journeyId, handle, applicationId } = await startDirect({ deadlineSeconds: 600 });
    expect((await nominate(await stack.nominationLink(journeyId), threeReferees('rj'))).status).toBe(200);
    const referees = await stack.referees(journeyId);
    expect(referees).toHaveLength(3);
    await waitFor(
      'all three requested',
      async () => (await stack.referees(journeyId)).every((r) => r.status === 'requested'),
      20_000,
    );
    stack.sb.admin.reject(stack.org.org.id, applicationId, 'Position filled');
    await stack.sb.idle();
    expect(await handle.result()).toMatchObject({
      status: 'cancelled',
      stopReason: 'stopped by Greenhouse: reject_candidate',
    });
    for (const referee of referees) {
      const child = await stack.temporal.workflow.getHandle(referee.id).result();
      expect(child).toMatchObject({ status: 'cancelled' });
    }
    expect((await stack.referees(journeyId)).map((r) => r.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    const page = await fetch(await stack.refereeLink(referees[0]!.id));
    expect(await page.text()).toMatch(/no longer needed/i);
    expect(stack.greenhouse(applicationId).attachments).toHaveLength(0);
  });

  it('reminds a candidate who names nobody, then expires and says so', async () => {
    const { journeyId, handle, applicationId } = await startDirect({
      nominationSeconds: 5,
      deadlineSeconds: 60,
      candidateReminderSeconds: [2],
    });
    expect(await handle.result()).toMatchObject({
      status: 'expired',
      remindersSent: 1,
      stopReason: 'the candidate named no referees before the deadline',
    });
    expect(
      stack.smtp.messages
        .map((m) => m.idempotencyKey)
        .filter((k) => k?.startsWith(`${journeyId}:`))
        .map((k) => k!.slice(journeyId.length + 1)),
    ).toEqual(['nomination_request:1', 'nomination_reminder:1', 'nomination_expiry:1']);
    // The old link now says the check is closed and accepts nothing.
    const link = await stack.nominationLink(journeyId);
    const late = await nominate(link, threeReferees('ex'));
    expect(late.status).not.toBe(200);
    expect(await stack.referees(journeyId)).toHaveLength(0);
    expect(stack.greenhouse(applicationId).attachments).toHaveLength(0);
  });

  it('starts from an operator invite and from a mapped stage, like assessments', async () => {
    const org = stack.sb.state.org(stack.org.org.id)!;
    const [invited, staged] = [applications()[10]!, applications()[11]!];
    expect(
      (await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`, {}))
        .status,
    ).toBe(200);
    const candidate = candidateOf(invited.id);
    const res = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email: candidate.emails[0]!.value,
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId: String(invited.jobId),
      testId: 'refs-standard',
    });
    expect(res.status).toBe(201);
    const vendorJourney = String(res.body!.journeyId);
    expect(vendorJourney).toMatch(/^reference_check:.*:person-[0-9a-f]{32}:job-\d+:refs-standard$/);
    await stack.nominationLink(vendorJourney);
    await waitFor(
      'the application found by e-mail',
      async () =>
        (await stack.database.db.journey.findUniqueOrThrow({ where: { id: vendorJourney } }))
          .greenhouseApplicationId === String(invited.id),
    );

    const stage = org.stagesOfJob(staged.jobId!).find((s) => s.name === 'Take Home Test')!;
    expect(
      (
        await stack.api.call('PUT', `/operator/tenants/${stack.tenantId}/stage-test-mappings`, {
          mappings: [{ jobId: String(staged.jobId), stageId: String(stage.id), testId: 'refs-standard' }],
        })
      ).status,
    ).toBe(200);
    stack.sb.admin.moveStage(stack.org.org.id, staged.id, { stageName: 'Take Home Test' });
    await stack.sb.idle();
    const stagedJourney = stack.referenceJourneyIdFor(staged.id);
    await stack.nominationLink(stagedJourney);
    expect(await stack.database.db.journey.findUniqueOrThrow({ where: { id: stagedJourney } })).toMatchObject(
      { kind: 'reference_check', trigger: 'webhook' },
    );
  });

  it('a referee whose address bounces can be replaced', async () => {
    const { journeyId, handle } = await startDirect({ deadlineSeconds: 600 });
    const rows = threeReferees('bn');
    rows[1] = { name: 'Nobody', email: 'nobody.bn@globex.example', relationship: 'peer' };
    expect((await nominate(await stack.nominationLink(journeyId), rows)).status).toBe(200);
    const replace = await stack.nominationLink(journeyId, 'replace_referee', 1);
    const mail = stack.smtp.messages.find((m) => m.idempotencyKey === `${journeyId}:replace_referee:1`)!;
    expect(mail.parts.find((p) => p.contentType === 'text/plain')!.body).toContain('could not be reached');
    await waitFor('the bounce in the live view', async () =>
      (await handle.query(referenceCheckStateQuery)).referees.some((r) => r.status === 'bounced'),
    );
    expect((await stack.referees(journeyId))[1]).toMatchObject({ status: 'bounced' });
    expect(
      (
        await nominate(replace, [
          { name: 'Paula Peer', email: 'paula.bn@globex.example', relationship: 'peer' },
        ])
      ).status,
    ).toBe(200);
    const state = await handle.query(referenceCheckStateQuery);
    expect(state.referees.map((r) => r.refereeId)).toEqual(
      [1, 2, 3, 4].map((i) => `${journeyId}:referee-${i}`),
    );
  });
});
