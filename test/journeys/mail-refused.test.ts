import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { recordHistoryIfAsked } from '../helpers/histories.js';
import { createWorkerMetrics, type WorkerMetrics } from '../../observability/metrics.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';
import { startTestWorker } from '../helpers/temporal.js';

// Mail refused for good (SMTP 550) stops retrying and waits for an operator's corrected address
// (an assessment's invitation and a reference check's nomination request); refused for now (451)
// keeps retrying, as one collapsed timeline row. Real Temporal, PostgreSQL, SMTP server, Greenhouse
// sandbox, API and worker.
describe('a mail server refusing the invitation', () => {
  let stack: ReferenceCheckStack;
  let metrics: WorkerMetrics;
  beforeAll(async () => {
    stack = await startReferenceCheckStack();
    // The same worker as the stack's, with the metrics workers/main.ts gives it.
    await stack.stopWorker();
    metrics = createWorkerMetrics();
    worker = await startTestWorker({
      taskQueue: stack.taskQueue,
      activities: stack.activities(),
      timelineDb: stack.database.db,
      observe: { metrics },
    });
  }, 120_000);
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  afterAll(async () => {
    await worker?.stop();
    await stack?.close();
  });

  const gh = () => stack.sb.state.org(stack.org.org.id)!;
  function candidateOf(i: number) {
    const application = gh().applications.all()[i]!;
    const email = gh().candidates.get(application.candidateId)!.emails[0]!.value;
    return { application, email, journeyId: stack.journeyIdFor(application.id) };
  }
  const sendTest = async (applicationId: number) => {
    await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
  };
  const journey = (id: string) => stack.database.db.journey.findUnique({ where: { id } });
  const timeline = (id: string) =>
    stack.database.db.journeyEvent.findMany({ where: { journeyId: id }, orderBy: { id: 'asc' } });
  const refusalRecorded = (id: string) =>
    waitFor(
      'the refusal recorded',
      async () => (await journey(id))?.statusDetail?.startsWith('the invitation could not be delivered'),
      60_000,
    );
  const path = (id: string) => `/operator/journeys/${encodeURIComponent(id)}`;

  it('550: stops retrying, waits with the reason, operators are told; a corrected address resumes it', async () => {
    const { application, email, journeyId } = candidateOf(0);
    stack.smtp.refuse(email, 550);
    await sendTest(application.id);

    await refusalRecorded(journeyId);
    const waiting = (await journey(journeyId))!;
    expect(waiting.status).toBe('created');
    expect(waiting.statusDetail).toMatch(
      /^the invitation could not be delivered: the mail server refused it for good \(550 .*Mailbox unavailable/,
    );
    // Plain words, no address: the listing shows it to operators.
    expect(waiting.statusDetail).not.toContain(email);
    const listed = await stack.api.call('GET', `/operator/journeys?tenantId=${stack.tenantId}`);
    expect(
      (listed.body!.journeys as { id: string; statusDetail: string }[]).find((j) => j.id === journeyId),
    ).toMatchObject({ statusDetail: waiting.statusDetail });

    // No retry: the refusal stays at one attempt while Temporal's 1-second backoff would have retried.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(stack.smtp.refusals.get(email.toLowerCase())).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString('greenroom_mail_refused_total')).toMatch(
      /greenroom_mail_refused_total\{activity="sendCandidateEmail",purpose="invite"\} 1/,
    );
    const refusedRows = (await timeline(journeyId)).filter((e) => e.step === 'sendCandidateEmail');
    expect(refusedRows).toEqual([
      expect.objectContaining({
        outcome: 'failed_final',
        label: 'invite e-mail could not be delivered: an operator must correct the address',
        count: 1,
      }),
    ]);
    expect((await journey(journeyId))!.retryingSince).toBeNull();

    // Bad input is refused and changes nothing.
    const bad = await stack.api.call('POST', `${path(journeyId)}/resend`, { email: 'not an address' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', field: 'email' } } });
    const extra = await stack.api.call('POST', `${path(journeyId)}/resend`, { email: 'a@b.example', x: 1 });
    expect(extra.status).toBe(400);
    expect(
      (await stack.database.db.journeyCandidate.findUnique({ where: { journeyId } }))!.email.toLowerCase(),
    ).toBe(email.toLowerCase());
    expect(stack.smtp.refusals.get(email.toLowerCase())).toBe(1);

    const corrected = `fixed.${application.id}@acme-mail.example.com`;
    const resent = await stack.api.call('POST', `${path(journeyId)}/resend`, { email: corrected });
    expect(resent).toMatchObject({ status: 200, body: { journeyId, invitesSent: 2, emailCorrected: true } });
    const invite = await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:2`, 30_000);
    expect(invite.envelope.to).toEqual([corrected]);
    expect(
      stack.smtp.messages.filter((m) => m.idempotencyKey?.startsWith(`${journeyId}:invite:`)),
    ).toHaveLength(1);
    await waitFor('sent', async () => (await journey(journeyId))?.status === 'sent', 30_000);

    const audit = await stack.database.db.auditEntry.findMany({
      where: { journeyId, action: 'journey.resend' },
    });
    expect(audit.map((a) => a.outcome)).toEqual(['ok']);
    expect(JSON.stringify(audit[0]!.detail)).not.toContain(corrected);

    // Resumed: the candidate takes the test from the new invitation and the journey completes.
    expect((await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' }, 2)).status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'complete',
      invitesSent: 2,
    });
  }, 180_000);

  it('451: keeps retrying with backoff as one timeline row with a count, then delivers', async () => {
    const { application, email, journeyId } = candidateOf(1);
    stack.smtp.refuse(email, 451);
    await sendTest(application.id);

    await waitFor('3 refusals', async () => (stack.smtp.refusals.get(email.toLowerCase()) ?? 0) >= 3, 60_000);
    const rows = (await timeline(journeyId)).filter((e) => e.step === 'sendCandidateEmail');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'failed', label: 'sendCandidateEmail failed, will retry' });
    expect(rows[0]!.count).toBeGreaterThanOrEqual(2);
    expect(rows[0]!.detail).toMatch(/451/);
    expect(rows[0]!.detail).not.toContain(email);
    const retrying = (await journey(journeyId))!;
    expect(retrying.retryingSince).not.toBeNull();
    expect(retrying.statusDetail).toBe('preparing the invitation');

    // The stuck listing finds it by how long it has been retrying, not by its last state change:
    // the retry began "3 hours ago" (moved back; its state changed seconds ago).
    await stack.database.db.journey.update({
      where: { id: journeyId },
      data: { retryingSince: new Date(Date.now() - 3 * 3_600_000) },
    });
    const stuck = await stack.api.call('GET', `/operator/journeys?tenantId=${stack.tenantId}&stuckHours=2`);
    expect((stuck.body!.journeys as { id: string }[]).map((j) => j.id)).toEqual([journeyId]);

    stack.smtp.accept(email);
    await stack.smtp.waitFor((m) => m.idempotencyKey === `${journeyId}:invite:1`, 90_000);
    await waitFor('sent', async () => (await journey(journeyId))?.status === 'sent', 30_000);
    expect((await journey(journeyId))!.retryingSince).toBeNull();
    const after = (await timeline(journeyId)).filter((e) => e.step === 'sendCandidateEmail');
    expect(after.map((e) => e.outcome)).toEqual(['failed', 'ok']);
    const notStuck = await stack.api.call(
      'GET',
      `/operator/journeys?tenantId=${stack.tenantId}&stuckHours=2`,
    );
    expect(notStuck.body!.journeys).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('greenroom_mail_refused_total')).not.toMatch(
      /purpose="invite"\} 2/,
    );
  }, 180_000);

  it('a reference check: the nomination request refused for good waits; a corrected address resumes it', async () => {
    const { application, email } = candidateOf(2);
    const journeyId = stack.referenceJourneyIdFor(application.id);
    stack.smtp.refuse(email, 550);
    await stack.sendReferenceCheck(application.id);

    await refusalRecorded(journeyId);
    const waiting = (await journey(journeyId))!;
    expect(waiting).toMatchObject({ kind: 'reference_check', status: 'created', retryingSince: null });
    expect(waiting.statusDetail).toMatch(
      /^the invitation could not be delivered: the mail server refused it for good \(550 .*Mailbox unavailable/,
    );
    expect(waiting.statusDetail).not.toContain(email);
    // The stuck view says the same: nothing is pending, the journey waits for an operator.
    await waitFor(
      'nothing pending',
      async () => {
        const { stuck } = (await stack.api.call('GET', path(journeyId))).body as {
          stuck: { waitingFor: string | null; pending: unknown[] };
        };
        return stuck.waitingFor === waiting.statusDetail && stuck.pending.length === 0;
      },
      30_000,
    );

    // No retry (Temporal's 1-second backoff would have retried by now); operators are told.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(stack.smtp.refusals.get(email.toLowerCase())).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString('greenroom_mail_refused_total')).toMatch(
      /greenroom_mail_refused_total\{activity="sendNominationEmail",purpose="nomination_request"\} 1/,
    );
    expect((await timeline(journeyId)).filter((e) => e.step === 'sendNominationEmail')).toEqual([
      expect.objectContaining({
        outcome: 'failed_final',
        label: 'nomination request e-mail could not be delivered: an operator must correct the address',
        count: 1,
      }),
    ]);

    const corrected = `fixed.${application.id}@acme-mail.example.com`;
    const resent = await stack.api.call('POST', `${path(journeyId)}/resend`, { email: corrected });
    expect(resent).toMatchObject({ status: 200, body: { journeyId, invitesSent: 2, emailCorrected: true } });
    const request = await stack.smtp.waitFor(
      (m) => m.idempotencyKey === `${journeyId}:nomination_request:2`,
      30_000,
    );
    expect(request.envelope.to).toEqual([corrected]);
    await waitFor('sent', async () => (await journey(journeyId))?.status === 'sent', 30_000);
    expect((await journey(journeyId))!.statusDetail).toMatch(/^the candidate to name referees/);

    // Resumed: the candidate names referees from the new request. One referee's address is refused
    // for good: that request ends as bounced, and the candidate is shown so and asked for another.
    const refused = `nobody.${application.id}@globex.example`;
    stack.smtp.refuse(refused, 550);
    const link = await stack.nominationLink(journeyId, 'nomination_request', 2);
    const rows = [
      { name: 'Mia Manager', email: `mia.${application.id}@globex.example`, relationship: 'manager' },
      { name: 'Nobody', email: refused, relationship: 'peer' },
      { name: 'Cleo Client', email: `cleo.${application.id}@initech.example`, relationship: 'client' },
    ];
    const fields = Object.fromEntries(
      rows.flatMap((row, i) => Object.entries(row).map(([k, v]) => [`r${i}.${k}`, v])),
    );
    const named = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    expect(named.status).toBe(200);
    await waitFor(
      'the bounce recorded',
      async () => (await stack.referees(journeyId))[1]?.status === 'bounced',
      60_000,
    );
    expect(stack.smtp.refusals.get(refused)).toBe(1);
    const replace = await stack.smtp.waitFor(
      (m) => m.idempotencyKey === `${journeyId}:replace_referee:1`,
      30_000,
    );
    expect(replace.envelope.to).toEqual([corrected]);
    expect(replace.parts.find((p) => p.contentType === 'text/plain')!.body).toContain('could not be reached');
    const page = await (await fetch(link)).text();
    expect(page).toContain('Nobody');
    expect(page).toContain('could not be reached');

    // Ended, its history is kept for the replay test (RECORD_HISTORIES=1): the refused wait and the resend.
    const cancelled = await stack.api.call('POST', `${path(journeyId)}/cancel`, { reason: 'recorded' });
    expect(cancelled.status).toBe(200);
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({
      status: 'cancelled',
      invitesSent: 2,
    });
    await recordHistoryIfAsked('reference-check-nomination-refused-resent', journeyId);
  }, 240_000);
});
