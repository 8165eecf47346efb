import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/processes.js';
import { hashToken } from '../../security/tokens.js';
import { startAssessmentStack, type AssessmentStack } from '../helpers/assessment-stack.js';
import { testDataConverter } from '../helpers/temporal.js';

const DAY = 86_400_000;

// The recruiter's report link on the real stack (Temporal dev server, PostgreSQL, SMTP, the
// Greenhouse sandbox over HTTP, our API and worker): stored only hashed (encrypted for test_status),
// living the tenant's lifetime, revocable, re-issuable, and a plain 410 page once dead.
describe('report links', () => {
  let stack: AssessmentStack;
  let journeyId: string;
  let applicationId: number;
  /** The link Greenhouse got from test_status when the journey completed. */
  let firstLink: string;
  let supportKey: string;

  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  const basic = () => ({ authorization: `Basic ${Buffer.from(`${stack.partnerKey}:`).toString('base64')}` });
  const testStatus = async () => {
    const res = await fetch(
      `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(journeyId)}`,
      { headers: basic() },
    );
    expect(res.status).toBe(200);
    return (await res.json()) as { partner_status: string; partner_profile_url?: string };
  };
  const operator = (method: string, path: string, body?: unknown, key?: string) =>
    stack.api.call(method, `/operator${path}`, body, key ? { authorization: `Bearer ${key}` } : {});
  const reportLinks = () =>
    stack.database.db.accessLink.findMany({
      where: { journeyId, purpose: 'report' },
      orderBy: { createdAt: 'asc' },
    });
  const auditOf = (action: string) =>
    stack.database.db.auditEntry.findMany({ where: { action, journeyId }, orderBy: { id: 'asc' } });
  /** Every row of every table of our schema, as text: where a raw link would show if it were stored. */
  async function everyRowAsText(): Promise<string> {
    const db = stack.database.db;
    const tables = await db.$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    const parts: string[] = [];
    for (const { table_name } of tables) {
      const rows = await db.$queryRawUnsafe<{ row: string }[]>(
        `SELECT t::text AS row FROM "${table_name}" t`,
      );
      parts.push(...rows.map((r) => r.row));
    }
    return parts.join('\n');
  }
  /** The journey's whole Temporal history, every payload decoded with the codec's keys. */
  async function decodedHistory(): Promise<string> {
    const history = await stack.temporal.workflow.getHandle(journeyId).fetchHistory();
    const payloads: Payload[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (v && typeof v === 'object') {
        if ('data' in v && 'metadata' in v && v.data instanceof Uint8Array) payloads.push(v as Payload);
        else Object.values(v).forEach(walk);
      }
    };
    walk(history);
    // Some payloads (headers) are plain by design: let them through, decrypt the rest.
    const decoded = await testDataConverter(undefined, { allowPlaintext: true }).codec.decode(payloads);
    return decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('\n');
  }

  beforeAll(async () => {
    stack = await startAssessmentStack();
    // The tenant's settings: notes as private as the report, links that live 30 days.
    const settings = await operator('PUT', `/tenants/${stack.tenantId}/settings`, {
      reportVisibility: 'private',
      reportLinkLifetimeDays: 30,
    });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ reportVisibility: 'private', reportLinkLifetimeDays: 30 });
    const key = await operator('POST', '/keys', {
      name: 'sam@vendor.example',
      role: 'support',
      tenantId: stack.tenantId,
    });
    supportKey = String(key.body!.key);

    applicationId = stack.sb.state.org(stack.org.org.id)!.applications.all()[0]!.id;
    await stack.sb.admin.sendTest(stack.org.org.id, applicationId, {
      partnerTestId: 'js-basics',
      sentByUserId: stack.org.siteAdmin.id,
    });
    await stack.sb.idle();
    journeyId = stack.journeyIdFor(applicationId);
    const ok = await stack.submitFromInvite(journeyId, { 'q:q1': 'b', 'q:q2': '0.3' });
    expect(ok.status).toBe(200);
    await stack.temporal.workflow.getHandle(journeyId).result();
    await waitFor(
      'Greenhouse to read the complete test_status',
      async () => {
        await stack.sb.idle();
        return stack.greenhouse(applicationId).tests[0]?.partnerStatus === 'complete';
      },
      60_000,
    );
    firstLink = stack.greenhouse(applicationId).tests[0]!.partnerProfileUrl!;
  }, 180_000);
  afterAll(async () => stack?.close());

  it('opens the PDF, lives the tenant’s lifetime, and is stored nowhere but as a hash', async () => {
    expect(firstLink).toMatch(new RegExp(`^${stack.api.url}/r/grr_[A-Za-z0-9_-]{40,}$`));
    const pdf = await fetch(firstLink);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');

    const [link] = await reportLinks();
    expect(link!.tokenHash).toBe(hashToken(tokenOf(firstLink)));
    const lifetime = link!.expiresAt.getTime() - link!.createdAt.getTime();
    expect(Math.abs(lifetime - 30 * DAY)).toBeLessThan(60_000);

    // Not in any table (the read model holds it encrypted), not in the workflow's history.
    const journey = await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
    expect(journey.profileUrl).toMatch(/^gr1\./);
    const rows = await everyRowAsText();
    expect(rows).toContain(link!.tokenHash); // the search sees access_links…
    expect(rows).not.toContain(tokenOf(firstLink)); // …and finds the token nowhere
    const history = await decodedHistory();
    expect(history).toContain('scorePercent'); // decoded: the result is readable…
    expect(history).not.toContain(tokenOf(firstLink)); // …the link is not in it
    expect(history).not.toContain('/r/grr_');

    // The note honours the tenant's visibility and carries the link Greenhouse holds.
    const notes = stack.greenhouse(applicationId).notes.filter((n) => n.body.includes(`Ref: ${journeyId}`));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.visibility).toBe('private');
    expect(notes[0]!.body).toContain(`Report: ${firstLink}`);
    expect((await testStatus()).partner_profile_url).toBe(firstLink);
  });

  it('refuses bad requests and changes nothing', async () => {
    const before = {
      links: await reportLinks(),
      journey: await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } }),
    };
    const bad = await operator('POST', `/journeys/${encodeURIComponent(journeyId)}/report-links`, {
      revokeOthers: 'yes',
    });
    expect(bad.status).toBe(400);
    expect(bad.body!.error).toMatchObject({ code: 'invalid_input', field: 'revokeOthers' });
    const extra = await operator('POST', `/journeys/${encodeURIComponent(journeyId)}/report-links/revoke`, {
      all: true,
    });
    expect(extra.status).toBe(400);
    const unknown = await operator('POST', '/journeys/assessment%3Anope/report-links', {});
    expect(unknown.status).toBe(404);

    // A journey of another tenant: 404 for a key scoped elsewhere, as if it did not exist.
    const other = String((await operator('POST', '/tenants', { slug: 'other-co', name: 'Other' })).body!.id);
    const otherJourney = 'assessment:other:1';
    await stack.database.db.journey.create({
      data: { id: otherJourney, tenantId: other, kind: 'assessment', status: 'invited', trigger: 'vendor' },
    });
    const foreign = await operator(
      'POST',
      `/journeys/${encodeURIComponent(otherJourney)}/report-links/revoke`,
      {},
      supportKey,
    );
    expect(foreign.status).toBe(404);
    // No result yet: nothing to link to (a link is issued when the result is ready).
    const early = await operator('POST', `/journeys/${encodeURIComponent(otherJourney)}/report-links`, {});
    expect(early.status).toBe(409);
    expect(early.body!.error!.message).toMatch(/no result yet/);
    expect(await stack.database.db.accessLink.count({ where: { journeyId: otherJourney } })).toBe(0);
    expect((await auditOf('journey.report_links.issue')).map((e) => e.outcome)).toEqual([]);
    expect(
      (await stack.database.db.auditEntry.findMany({ where: { journeyId: otherJourney } })).map((e) => [
        e.action,
        e.outcome,
      ]),
    ).toEqual([['journey.report_links.issue', 'refused']]);

    // Lifetime: whole days, at least one.
    for (const days of [0, 1.5, 'ninety', 4000]) {
      const res = await operator('PUT', `/tenants/${stack.tenantId}/settings`, {
        reportLinkLifetimeDays: days,
      });
      expect(res.status).toBe(400);
      expect(res.body!.error!.field).toBe('reportLinkLifetimeDays');
    }
    expect((await operator('GET', `/tenants/${stack.tenantId}`)).body).toMatchObject({
      reportLinkLifetimeDays: 30,
    });
    expect((await operator('GET', `/tenants/${other}`)).body).toMatchObject({ reportLinkLifetimeDays: 90 });

    expect(await reportLinks()).toEqual(before.links);
    expect(await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } })).toEqual(
      before.journey,
    );
  });

  it('an expired link shows a page saying so: 410, plain words, no data', async () => {
    const [link] = await reportLinks();
    // Time passes: the link's 30 days are over.
    await stack.database.db.accessLink.update({
      where: { tokenHash: link!.tokenHash },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await fetch(firstLink);
    expect(res.status).toBe(410);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('This report link has expired');
    expect(html).not.toContain('%PDF');
    expect(html).not.toContain(journeyId);
    const candidate = await stack.database.db.journeyCandidate.findUniqueOrThrow({ where: { journeyId } });
    expect(html).not.toContain(candidate.email);
    expect(html).not.toContain('JavaScript basics');
    // A token never issued stays a plain 404.
    expect((await fetch(`${stack.api.url}/r/grr_${'x'.repeat(43)}`)).status).toBe(404);
  });

  it('issues a fresh link once (audited without it) that test_status answers from then on', async () => {
    const res = await operator(
      'POST',
      `/journeys/${encodeURIComponent(journeyId)}/report-links`,
      {},
      supportKey,
    );
    expect(res.status).toBe(200);
    const fresh = String(res.body!.reportUrl);
    expect(fresh).toMatch(new RegExp(`^${stack.api.url}/r/grr_`));
    expect(fresh).not.toBe(firstLink);
    expect(Date.parse(String(res.body!.expiresAt)) - Date.now()).toBeGreaterThan(29 * DAY);
    expect(res.body!.revoked).toBe(0);

    expect(res.body!.greenhouseNotified).toBe(true);

    expect((await fetch(fresh)).status).toBe(200);
    expect((await testStatus()).partner_profile_url).toBe(fresh);
    expect((await fetch(firstLink)).status).toBe(410);
    // Greenhouse is told: the completion PATCH makes it read test_status again, so the test's
    // profile link in Greenhouse opens the report; and since its notes cannot be edited (the
    // result note's link no longer opens), a new note carries the fresh link, as private.
    await waitFor(
      'Greenhouse to read the fresh link',
      async () => {
        await stack.sb.idle();
        return stack.greenhouse(applicationId).tests[0]!.partnerProfileUrl === fresh;
      },
      60_000,
    );
    expect((await fetch(stack.greenhouse(applicationId).tests[0]!.partnerProfileUrl!)).status).toBe(200);
    const freshNotes = await waitFor(
      'the note with the fresh link',
      async () => {
        const found = stack
          .greenhouse(applicationId)
          .notes.filter((n) => n.body.includes(`Report: ${fresh}`));
        return found.length ? found : null;
      },
      60_000,
    );
    expect(freshNotes).toHaveLength(1);
    expect(freshNotes[0]!.visibility).toBe('private');
    expect(freshNotes[0]!.body).toContain(`Report link 2 of ${journeyId}`);
    // The result note is still the only one marked as the result (a retry of it would find it).
    expect(
      stack.greenhouse(applicationId).notes.filter((n) => n.body.includes(`Ref: ${journeyId}`)),
    ).toHaveLength(1);
    // Once: the notice ran to its end, and a retry of its note finds it in the ledger.
    expect(await stack.temporal.workflow.getHandle(`${journeyId}:report-link-2`).result()).toEqual({
      patched: true,
      noted: true,
    });
    expect(
      await stack.database.db.harvestEffect.count({ where: { journeyId, effect: 'note:report-link-2' } }),
    ).toBe(1);

    const [entry] = await auditOf('journey.report_links.issue');
    expect(entry).toMatchObject({ actor: 'sam@vendor.example', outcome: 'ok', tenantId: stack.tenantId });
    expect(JSON.stringify(entry!.detail)).not.toContain(tokenOf(fresh));
    expect(await everyRowAsText()).not.toContain(tokenOf(fresh));
    // The operator's view of the journey never shows it.
    const shown = await operator('GET', `/journeys/${encodeURIComponent(journeyId)}`);
    expect(JSON.stringify(shown.body)).not.toContain(tokenOf(fresh));
  });

  it('revokes every report link: each then shows the withdrawn page; a fresh one can revoke the rest', async () => {
    const current = (await testStatus()).partner_profile_url!;
    const res = await operator(
      'POST',
      `/journeys/${encodeURIComponent(journeyId)}/report-links/revoke`,
      {},
      supportKey,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ journeyId, revoked: 2 }); // the expired first link and the fresh one
    const page = await fetch(current);
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toContain('This report link was withdrawn');
    expect(html).not.toContain('%PDF');
    // test_status still names a link (Greenhouse needs one for a complete test): it opens nothing.
    expect((await testStatus()).partner_profile_url).toBe(current);
    // Revoking again finds nothing left to revoke.
    expect(
      (await operator('POST', `/journeys/${encodeURIComponent(journeyId)}/report-links/revoke`, {})).body,
    ).toEqual({
      journeyId,
      revoked: 0,
    });
    expect((await auditOf('journey.report_links.revoke')).map((e) => [e.outcome, e.detail])).toEqual([
      ['ok', { revoked: 2 }],
      ['ok', { revoked: 0 }],
    ]);

    // Two fresh links; the second revokes the first.
    const a = String(
      (await operator('POST', `/journeys/${encodeURIComponent(journeyId)}/report-links`, {})).body!.reportUrl,
    );
    const b = await operator('POST', `/journeys/${encodeURIComponent(journeyId)}/report-links`, {
      revokeOthers: true,
    });
    expect(b.body!.revoked).toBe(1);
    expect((await fetch(a)).status).toBe(410);
    expect((await fetch(String(b.body!.reportUrl))).status).toBe(200);
    expect((await testStatus()).partner_profile_url).toBe(b.body!.reportUrl);
    expect((await reportLinks()).filter((l) => !l.revokedAt)).toHaveLength(1);
  });

  it('a link stored in clear before this change still answers test_status, until a fresh one replaces it', async () => {
    const legacyId = `${journeyId}:legacy`;
    const legacyLink = `${stack.api.url}/r/grr_${'L'.repeat(43)}`;
    await stack.database.db.journey.create({
      data: {
        id: legacyId,
        tenantId: stack.tenantId,
        kind: 'assessment',
        status: 'complete',
        trigger: 'greenhouse',
        score: 50,
        profileUrl: legacyLink,
      },
    });
    const status = async () =>
      (await (
        await fetch(
          `${stack.api.url}/partner/test_status?partner_interview_id=${encodeURIComponent(legacyId)}`,
          {
            headers: basic(),
          },
        )
      ).json()) as { partner_profile_url?: string };
    expect((await status()).partner_profile_url).toBe(legacyLink);
    const fresh = await operator('POST', `/journeys/${encodeURIComponent(legacyId)}/report-links`, {});
    expect(fresh.status).toBe(200);
    expect((await status()).partner_profile_url).toBe(fresh.body!.reportUrl);
    const row = await stack.database.db.journey.findUniqueOrThrow({ where: { id: legacyId } });
    expect(row.profileUrl).toMatch(/^gr1\./);
  });
});
