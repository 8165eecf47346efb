import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { vendorJourneyIdsOf } from '../../journeys/start-journey.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';
import { everyRow, historyText } from './erasure-dump.js';

// Erasing a person by e-mail address on the real stack (API, worker, Temporal, PostgreSQL, SMTP,
// the Greenhouse sandbox): the person is the candidate of a reference check (with referees, one
// answered), of a vendor invite and of a row of an uploaded file, and a referee in somebody else's
// check. Afterwards no table and no decoded history holds their address, their name, their
// referees' addresses or the free text written about them; the other candidate's check goes on.
describe('erasing a person by e-mail address', () => {
  let stack: ReferenceCheckStack;
  let supportKey: string;
  beforeAll(async () => {
    stack = await startReferenceCheckStack();
    const created = await stack.api.call('POST', '/operator/keys', {
      name: 'sam@vendor.example',
      role: 'support',
    });
    expect(created.status).toBe(201);
    supportKey = String(created.body!.key);
    const vendor = await stack.api.call(
      'POST',
      `/operator/tenants/${stack.tenantId}/modes/vendor_invite/activate`,
      {},
    );
    expect(vendor.status).toBe(200);
  }, 120_000);
  afterAll(async () => stack?.close());

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  const referees = (rows: { name: string; email: string; relationship: string }[]) =>
    Object.fromEntries(
      rows.flatMap((r, i) => [
        [`r${i}.name`, r.name],
        [`r${i}.email`, r.email],
        [`r${i}.relationship`, r.relationship],
      ]),
    );
  const erase = (body: unknown, headers: Record<string, string> = {}) =>
    stack.api.call('POST', '/operator/people/erase', body, headers);
  const applicationOf = (index: number) => stack.sb.state.org(stack.org.org.id)!.applications.all()[index]!;

  it('finds every record of the person through the keyed index and erases them all, and only them', async () => {
    // 1. The person is the candidate of a reference check; they name three referees, one answers.
    const mine = await stack.startReferenceCheckDirect(0);
    const { candidate, candidateEmail } = mine;
    const marker = 'Zanzibar-quartz-9913 carried the whole launch';
    const nominated = await fetch(
      await stack.nominationLink(mine.journeyId),
      form(
        referees([
          { name: 'Margot Managerial', email: 'margot.managerial@globex.example', relationship: 'manager' },
          { name: 'Percival Peerless', email: 'percival.peerless@globex.example', relationship: 'peer' },
          {
            name: 'Clementine Clientele',
            email: 'clementine.clientele@initech.example',
            relationship: 'client',
          },
        ]),
      ),
    );
    expect(nominated.status).toBe(200);
    const [answering] = await stack.referees(mine.journeyId);
    const answered = await fetch(
      await stack.refereeLink(answering!.id),
      form({ action: 'submit', 'q:quality': '5', 'q:teamwork': '4', 'q:comments': marker }),
    );
    expect(answered.status).toBe(200);
    await waitFor(
      'the answer stored',
      async () => (await stack.referees(mine.journeyId))[0]!.status === 'answered',
    );
    // The second opens the questionnaire and declines, with a reason: both travel sealed.
    const declineMarker = 'Pomegranate-ledger-5521 I never worked with them';
    const declining = (await stack.referees(mine.journeyId))[1]!;
    const declineLink = await stack.refereeLink(declining.id);
    expect((await fetch(declineLink)).status).toBe(200);
    const declined = await fetch(declineLink, form({ action: 'decline', declineReason: declineMarker }));
    expect(declined.status).toBe(200);
    await waitFor(
      'the decline stored, unsealed by the activity',
      async () => (await stack.referees(mine.journeyId))[1]!.declineReason === declineMarker,
    );
    const declinedHistory = await historyText(stack.temporal, declining.id);
    expect(declinedHistory).not.toContain(declineMarker);
    expect(declinedHistory).toMatch(/"sealed":"gs1\./);

    // 2. Somebody else's check names the person as a referee.
    const other = await stack.startReferenceCheckDirect(1);
    const otherNominated = await fetch(
      await stack.nominationLink(other.journeyId),
      form(
        referees([
          {
            name: `${candidate.firstName} ${candidate.lastName}`,
            email: candidateEmail,
            relationship: 'peer',
          },
          { name: 'Oswald Otherwise', email: 'oswald.otherwise@globex.example', relationship: 'manager' },
          { name: 'Prudence Plenty', email: 'prudence.plenty@initech.example', relationship: 'client' },
        ]),
      ),
    );
    expect(otherNominated.status).toBe(200);
    const [personAsReferee] = await stack.referees(other.journeyId);
    await waitFor('the request to the person sent', async () =>
      stack.smtp.messages.some((m) => m.idempotencyKey === `${personAsReferee!.id}:request:1`),
    );

    // 3. An operator invites the person (the address in other letters) without an application.
    const jobId = String(applicationOf(0).jobId);
    const invited = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email: candidateEmail.toUpperCase(),
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId,
      testId: 'refs-standard',
    });
    expect(invited.status).toBe(201);
    const vendorJourney = String(invited.body!.journeyId);
    // Its id carries the keyed hash, not the unsalted one older ids had.
    const unsalted = createHash('sha256').update(candidateEmail.toLowerCase()).digest('hex');
    expect(vendorJourney).toMatch(/:person-[0-9a-f]{32}:job-/);
    expect(vendorJourney).not.toContain(unsalted.slice(0, 24));

    // 4. An uploaded file names the person and somebody else.
    const csv = [
      'email,first_name,last_name,job_id,test_id',
      `${candidateEmail},${candidate.firstName},${candidate.lastName},${jobId},refs-standard`,
      `quentin.quietly@example.com,Quentin,Quietly,${jobId},refs-standard`,
      `not-an-address,${candidate.firstName},Bad,${jobId},refs-standard`,
    ].join('\r\n');
    const uploaded = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites/bulk`, csv, {
      'content-type': 'text/csv',
    });
    expect(uploaded.status).toBeLessThan(300);
    const bulkId = String(uploaded.body!.id);
    await waitFor(
      'the upload invited',
      async () => (await stack.api.call('GET', `/operator/bulk-invites/${bulkId}`)).body!.status === 'done',
      60_000,
    );

    const personal = [
      candidateEmail,
      candidate.firstName,
      candidate.lastName,
      'margot.managerial@globex.example',
      'Margot Managerial',
      'percival.peerless@globex.example',
      'Clementine Clientele',
      marker,
      declineMarker,
    ];
    const before = await everyRow(stack.database.db);
    for (const value of personal) expect(before, value).toContain(value);

    // Bad input is refused and changes nothing; so is a support key (erasure is admin only).
    const bad = await erase({ email: 'not an address' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', field: 'email' } } });
    expect((await erase({ email: candidateEmail, extra: 1 })).status).toBe(400);
    const bySupport = await erase({ email: candidateEmail }, { authorization: `Bearer ${supportKey}` });
    expect(bySupport).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await erase({ email: candidateEmail, tenantId: 'no-such-tenant' })).status).toBe(404);
    const unchanged = await everyRow(stack.database.db);
    for (const value of personal) expect(unchanged, value).toContain(value);
    expect(await stack.database.db.journey.count({ where: { erasedAt: { not: null } } })).toBe(0);

    const res = await erase({ email: candidateEmail.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      erased: { journeys: 2, alreadyErased: 0, referees: 1, bulkRows: 1 },
    });

    // Nothing of the person is left in any table …
    const after = await everyRow(stack.database.db);
    for (const value of personal) expect(after, value).not.toContain(value);
    expect(after.toLowerCase()).not.toContain(candidateEmail.toLowerCase());
    // … nor readable in any history (decoded as an operator with the codec would).
    const [otherRefereeOfPerson] = await stack.referees(other.journeyId);
    const histories = [
      mine.journeyId,
      vendorJourney,
      other.journeyId,
      otherRefereeOfPerson!.id,
      ...(await stack.database.db.referee.findMany({ where: { journeyId: mine.journeyId } })).map(
        (r) => r.id,
      ),
    ];
    for (const id of histories) {
      const text = (await historyText(stack.temporal, id)).toLowerCase();
      for (const value of personal) expect(text, `${value} in ${id}`).not.toContain(value.toLowerCase());
    }
    // The person's journeys are stopped and marked; their request as a referee is stopped too.
    for (const id of [mine.journeyId, vendorJourney]) {
      expect((await stack.temporal.workflow.getHandle(id).describe()).status.name, id).toBe('TERMINATED');
      expect((await stack.database.db.journey.findUniqueOrThrow({ where: { id } })).erasedAt).not.toBeNull();
    }
    await waitFor(
      'the request to the person stopped',
      async () =>
        (await stack.temporal.workflow.getHandle(personAsReferee!.id).describe()).status.name !== 'RUNNING',
    );
    // Everybody else stays: the other candidate's check runs on with its other referees, and the
    // other row of the upload is untouched.
    expect((await stack.temporal.workflow.getHandle(other.journeyId).describe()).status.name).toBe('RUNNING');
    expect(after).toContain(other.candidateEmail);
    expect(after).toContain('oswald.otherwise@globex.example');
    expect(after).toContain('quentin.quietly@example.com');
    expect(await stack.database.db.personIndexEntry.count({ where: { journeyId: vendorJourney } })).toBe(0);

    // The audit trail: who and how many, never the address.
    const audit = await stack.database.db.auditEntry.findMany({
      where: { action: 'people.erase' },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.outcome)).toEqual(['refused', 'refused', 'ok']); // support key, unknown tenant, admin
    expect(audit[2]).toMatchObject({ actor: 'bootstrap', detail: { journeys: 2, referees: 1, bulkRows: 1 } });
    for (const entry of audit)
      expect(JSON.stringify(entry).toLowerCase()).not.toContain(candidateEmail.toLowerCase());

    // Again: nothing left to erase, and it says so. Only the vendor journey is still found (its id
    // carries the keyed hash); nothing else links the erased check to the address any more.
    const again = await erase({ email: candidateEmail });
    expect(again).toMatchObject({
      status: 200,
      body: {
        erased: { journeys: 0, alreadyErased: 1, referees: 0, bulkRows: 0, outboxMails: 0, indexEntries: 0 },
      },
    });
  }, 240_000);

  it('keeps journeys started under the legacy id: an invite joins them, erasure finds them', async () => {
    const application = applicationOf(3);
    const gh = stack.sb.state.org(stack.org.org.id)!;
    const candidate = gh.candidates.get(application.candidateId)!;
    const email = candidate.emails[0]!.value;
    const jobId = String(application.jobId);
    // What an older version recorded for a vendor invite: the unsalted hash of the address in the id.
    const legacy = `reference_check:${stack.tenantId}:email-${createHash('sha256')
      .update(email.toLowerCase())
      .digest('hex')
      .slice(0, 24)}:job-${jobId}:refs-standard`;
    await stack.database.db.journey.create({
      data: {
        id: legacy,
        tenantId: stack.tenantId,
        kind: 'reference_check',
        status: 'created',
        testId: 'refs-standard',
        testVersion: 1,
        trigger: 'vendor',
        jobId,
      },
    });
    await stack.database.db.journeyCandidate.create({
      data: { journeyId: legacy, firstName: candidate.firstName, lastName: candidate.lastName, email },
    });

    const invited = await stack.api.call('POST', `/operator/tenants/${stack.tenantId}/invites`, {
      email,
      firstName: candidate.firstName,
      lastName: candidate.lastName,
      jobId,
      testId: 'refs-standard',
    });
    expect(invited.status).toBeLessThan(300);
    expect(invited.body).toMatchObject({ journeyId: legacy });
    // No second journey under today's keyed id.
    const [keyed] = vendorJourneyIdsOf('reference_check', {
      tenantId: stack.tenantId,
      testId: 'refs-standard',
      candidate: { firstName: '', lastName: '', preferredName: null, email, phone: null },
      greenhouse: { applicationId: null, candidateId: null, jobId, callbackUrl: null, sentBy: null },
    });
    expect(keyed).toMatch(/:person-/);
    expect(await stack.database.db.journey.findUnique({ where: { id: keyed! } })).toBeNull();

    const res = await erase({ email, tenantId: stack.tenantId });
    expect(res).toMatchObject({ status: 200, body: { erased: { journeys: 1 } } });
    expect(
      (await stack.database.db.journey.findUniqueOrThrow({ where: { id: legacy } })).erasedAt,
    ).not.toBeNull();
    expect(await everyRow(stack.database.db)).not.toContain(email);
  }, 120_000);
});
