import type { Request } from 'express';
import pg from 'pg';
import type { Page } from 'playwright-core';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealed } from '../../domain/sealed.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import { clientFingerprintOf } from '../../api/pages/client-fingerprint.js';
import {
  cancelReferenceCheckUpdate,
  refereeRequestStateQuery,
  referenceCheckStateQuery,
} from '../../workflows/reference-check/contract.js';
import {
  expectAccessibleBasics,
  expectNoHorizontalScroll,
  phone,
  useBrowser,
  watchConsole,
} from '../helpers/browser.js';
import { waitFor } from '../../harness/processes.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';

/** The value attribute of the input named `name`, or null. */
const inputValue = (html: string, name: string): string | null =>
  new RegExp(`<input[^>]*name="${name.replace(/[.:]/g, '\\$&')}"[^>]*value="([^"]*)"`).exec(html)?.[1] ??
  null;
const selected = (html: string, name: string): string | null => {
  const select = new RegExp(`<select[^>]*name="${name.replace(/\./g, '\\.')}"[^>]*>(.*?)</select>`).exec(
    html,
  )?.[1];
  return select ? (/<option value="([^"]*)" selected>/.exec(select)?.[1] ?? null) : null;
};
const countOf = (html: string, needle: string | RegExp): number =>
  typeof needle === 'string' ? html.split(needle).length - 1 : (html.match(needle) ?? []).length;

// The reference-check pages over HTTP on the real stack (PostgreSQL, Temporal dev server and our
// worker, SMTP server, Greenhouse sandbox, our API). Each test starts its own check the way the
// starter does, with deadlines in seconds, and reads the links from the e-mails. What the pages sent
// to the workflows is read back from Temporal's history; what the workflows did, from the database
// and their queries. Races a candidate or referee can cause (two tabs, a double click) are made
// deterministic by holding a PostgreSQL lock while the first request is in flight.

type Row = Partial<Record<'name' | 'email' | 'relationship' | 'phone' | 'company' | 'title', string>> &
  Partial<Record<'workedFrom' | 'workedTo', string>>;
/** A signal or an accepted update as it stands in a workflow's history. */
interface Received {
  name: string;
  arg: unknown;
}
const BOUNCING = 'bea.bounced@globex.example';

describe('reference-check pages over HTTP', () => {
  let stack: ReferenceCheckStack;
  let n = 0;

  beforeAll(async () => {
    stack = await startReferenceCheckStack({
      sandbox: { orgs: [{ name: 'Acme', candidates: 30, plan: 'enterprise' }] },
      // This mailbox does not exist: the receiving server refuses it (a bounce).
      smtp: { rejectRecipients: [BOUNCING] },
    });
  });
  afterAll(async () => stack?.close());

  /** Starts a check the way the starter does, with deadlines in seconds; waits for the invitation. */
  async function startDirect(policy: { refereeSeconds?: number; quorum?: number } = {}) {
    const started = await stack.startReferenceCheckDirect(n++, policy);
    const nominate = await stack.nominationLink(started.journeyId);
    await waitFor(
      'the invitation recorded',
      async () => (await journeyRow(started.journeyId)).status === 'sent',
    );
    return {
      journeyId: started.journeyId,
      handle: started.handle,
      nominate,
      candidateEmail: started.candidateEmail,
      candidateName: `${started.candidate.firstName} ${started.candidate.lastName}`,
    };
  }

  const journeyRow = (journeyId: string) =>
    stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
  const refereeRow = (id: string) => stack.database.db.referee.findUniqueOrThrow({ where: { id } });
  const statusOf = async (id: string) => (await refereeRow(id)).status;
  const waitForStatus = (id: string, status: string) =>
    waitFor(`${id} to be ${status}`, async () => (await statusOf(id)) === status);

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.10', ...headers } });
    return { status: res.status, headers: res.headers, html: await res.text() };
  };
  const post = async (url: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': '203.0.113.10',
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, html: await res.text() };
  };
  /** The rows as the nomination form sends them (`r<i>.<field>`). */
  const rowsForm = (rows: Row[]) =>
    Object.fromEntries(rows.flatMap((row, i) => Object.entries(row).map(([k, v]) => [`r${i}.${k}`, v])));
  const nominateRows = (link: string, rows: Row[]) => post(link, rowsForm(rows));
  const threeReferees = (tag: string): Row[] => [
    { name: 'Mona Manager', email: `mona.${tag}@globex.example`, relationship: 'manager' },
    { name: 'Pete Peer', email: `pete.${tag}@globex.example`, relationship: 'peer' },
    { name: 'Cleo Client', email: `cleo.${tag}@initech.example`, relationship: 'client' },
  ];
  /** Names three referees; their ids, once each request is out. */
  async function nominateThree(link: string, journeyId: string, tag: string, rows = threeReferees(tag)) {
    expect((await nominateRows(link, rows)).status).toBe(200);
    const ids = (await stack.referees(journeyId)).map((r) => r.id);
    await waitFor('every request sent', async () =>
      (await stack.referees(journeyId)).every((r) => r.status !== 'nominated'),
    );
    return ids;
  }
  const answerForm = { 'q:quality': '4', 'q:teamwork': '5', 'q:comments': 'Reliable.', action: 'submit' };

  /**
   * The signals and accepted updates a workflow received, with their argument as the workflow saw
   * it: decoded through the client's payload codecs, and personal data unsealed with the journey's
   * key (pages seal it before it enters Temporal).
   */
  async function received(workflowId: string, name?: string): Promise<Received[]> {
    const { events } = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
    const journeyId = workflowId.replace(/:referee-\d+$/, '');
    const codecs = stack.temporal.options.loadedDataConverter.payloadCodecs;
    const sealer = createJourneySealer({ db: stack.database.db, secrets: stack.secrets });
    const unsealAll = async (value: unknown): Promise<unknown> => {
      if (isSealed(value)) return sealer.unseal(journeyId, value);
      if (!value || typeof value !== 'object') return value;
      if (Array.isArray(value)) return Promise.all(value.map(unsealAll));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await unsealAll(v);
      return out;
    };
    const arg = async (payload?: Payload | null): Promise<unknown> => {
      if (!payload?.data) return undefined;
      let decoded: Payload[] = [payload];
      for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
      return unsealAll(JSON.parse(Buffer.from(decoded[0]!.data!).toString('utf8')));
    };
    const all: Received[] = [];
    for (const e of events ?? []) {
      const signal = e.workflowExecutionSignaledEventAttributes;
      if (signal)
        all.push({ name: signal.signalName!, arg: await arg(signal.input?.payloads?.[0] as Payload) });
      const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      if (update) all.push({ name: update.name!, arg: await arg(update.args?.payloads?.[0] as Payload) });
    }
    return all.filter((r) => name === undefined || r.name === name);
  }

  /** Holds a table lock in a transaction of its own until released. */
  async function lockTable(table: string, mode: 'EXCLUSIVE' | 'ACCESS EXCLUSIVE') {
    const client = new pg.Client({ connectionString: stack.database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
    return async () => {
      await client.query('COMMIT');
      await client.end();
    };
  }
  /** Waits until a statement matching `pattern` (SQL LIKE) waits for a lock. */
  async function waitForBlocked(pattern: string) {
    const client = new pg.Client({ connectionString: stack.database.url });
    await client.connect();
    try {
      await waitFor(`a statement like ${pattern} waiting for a lock`, async () => {
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
          [pattern],
        );
        return rows[0]!.n > 0;
      });
    } finally {
      await client.end();
    }
  }

  describe('nomination page', () => {
    it('shows what is asked and one empty row per referee still to name, with the page headers', async () => {
      const { journeyId, nominate } = await startDirect();
      const page = await get(nominate);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('cache-control')).toBe('private, no-store');
      expect(page.html).toContain('<h1>Standard reference check</h1>');
      expect(page.html).toContain('between 3 and 4 referees');
      expect(page.html).toContain('including at least 1 manager');
      const deadlineAt = (await journeyRow(journeyId)).deadlineAt!;
      expect(page.html).toContain(`${deadlineAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`);
      expect(countOf(page.html, '<fieldset class="row">')).toBe(4);
      for (const field of ['name', 'email', 'phone', 'company', 'title', 'workedFrom', 'workedTo'])
        expect(page.html).toContain(`name="r3.${field}"`);
      expect(page.html).toContain('<select id="r0.relationship" name="r0.relationship">');
      expect(page.html).toContain('type="month"');
      expect(page.html).not.toMatch(/\srequired[\s>=]/);
      expect(page.html).not.toContain('<script');
    });

    it('404s an unknown token and closes a finished check', async () => {
      expect((await get(`${stack.api.url}/n/grn_thisTokenDoesNotExist_0123456789`)).status).toBe(404);
      const { journeyId, nominate } = await startDirect();
      const [mona, pete] = await nominateThree(nominate, journeyId, 'fin');
      // Two answers are the quorum: the check completes.
      for (const id of [mona!, pete!])
        expect((await post(await stack.refereeLink(id), answerForm)).status).toBe(200);
      await waitFor('the check complete', async () => (await journeyRow(journeyId)).status === 'complete');
      const page = await get(nominate);
      expect(page.status).toBe(200);
      expect(page.html).toContain('This reference check is complete');
      expect(page.html).not.toContain('<form');
      const late = await nominateRows(nominate, [
        { name: 'Xavier Late', email: 'x.fin@globex.example', relationship: 'peer' },
      ]);
      expect(late.status).toBe(409);
      expect(await stack.referees(journeyId)).toHaveLength(3);
      expect(await received(journeyId, 'nominateReferees')).toHaveLength(1);
    });

    it('re-renders every message and every typed value; nothing reaches the workflow', async () => {
      const { journeyId, nominate, handle, candidateEmail } = await startDirect();
      const res = await post(nominate, {
        'r0.name': '',
        'r0.email': 'mona@acme.example',
        'r0.relationship': 'manager',
        'r0.company': 'Acme',
        'r0.workedFrom': '2020-01',
        'r1.name': 'Pete Peer',
        'r1.email': 'not-an-email',
        'r1.relationship': 'peer',
        'r1.phone': '+44 20 1234 5678',
        'r2.name': 'Me Myself',
        'r2.email': candidateEmail.toUpperCase(),
        'r2.relationship': 'peer',
        'r2.title': 'Lead',
      });
      expect(res.status).toBe(400);
      expect(res.html).toContain('role="alert"');
      expect(res.html).toContain('Referee 1: Enter the referee&#39;s name');
      expect(res.html).toContain('Referee 2: Enter a valid e-mail address');
      expect(res.html).toContain('Referee 3: A referee cannot be yourself');
      // next to the fields
      expect(res.html).toMatch(/id="r0\.name-error">Enter the referee&#39;s name/);
      expect(res.html).toMatch(/id="r1\.email-error">Enter a valid e-mail address/);
      expect(res.html).toMatch(/id="r2\.email-error">A referee cannot be yourself/);
      expect(inputValue(res.html, 'r0.email')).toBe('mona@acme.example');
      expect(inputValue(res.html, 'r0.company')).toBe('Acme');
      expect(inputValue(res.html, 'r0.workedFrom')).toBe('2020-01');
      expect(selected(res.html, 'r0.relationship')).toBe('manager');
      expect(inputValue(res.html, 'r1.name')).toBe('Pete Peer');
      expect(inputValue(res.html, 'r1.email')).toBe('not-an-email');
      expect(inputValue(res.html, 'r1.phone')).toBe('+44 20 1234 5678');
      expect(selected(res.html, 'r1.relationship')).toBe('peer');
      expect(inputValue(res.html, 'r2.email')).toBe(candidateEmail.toUpperCase());
      expect(inputValue(res.html, 'r2.title')).toBe('Lead');
      expect(await received(journeyId)).toEqual([]);
      expect(await stack.referees(journeyId)).toEqual([]);
      expect((await handle.query(referenceCheckStateQuery)).referees).toEqual([]);
    });

    it('an all-blank form asks for referees', async () => {
      const { journeyId, nominate } = await startDirect();
      const res = await post(nominate, { 'r0.name': '', 'r1.name': '', 'r2.name': '', 'r3.name': '' });
      expect(res.status).toBe(400);
      expect(res.html).toContain('Name at least 3 referees');
      expect(await received(journeyId)).toEqual([]);
    });

    it('sends the non-blank rows with the browser fingerprint and thanks by name', async () => {
      const { journeyId, nominate, handle } = await startDirect();
      const res = await post(
        nominate,
        {
          'r0.name': ' Mona Manager ',
          'r0.email': 'mona.nb@globex.example',
          'r0.relationship': 'manager',
          'r1.name': '',
          'r1.email': '',
          'r1.relationship': '',
          'r2.name': 'Pete Peer',
          'r2.email': 'pete.nb@globex.example',
          'r2.relationship': 'peer',
          'r2.workedFrom': '2021-05',
          'r3.name': 'Cleo Client',
          'r3.email': 'cleo.nb@initech.example',
          'r3.relationship': 'client',
        },
        { 'user-agent': 'TestBrowser/1.0', 'accept-language': 'en-GB', 'x-forwarded-for': '203.0.113.44' },
      );
      expect(res.status).toBe(200);
      expect(res.html).toContain('<h1>Thank you</h1>');
      for (const name of ['Mona Manager', 'Pete Peer', 'Cleo Client'])
        expect(res.html).toContain(`<li>${name}</li>`);
      // What the workflow received: the three rows, trimmed, blank ones left out, with the browser.
      const sent = await received(journeyId, 'nominateReferees');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.arg).toEqual({
        nominations: [
          { name: 'Mona Manager', email: 'mona.nb@globex.example', relationship: 'manager' },
          { name: 'Pete Peer', email: 'pete.nb@globex.example', relationship: 'peer', workedFrom: '2021-05' },
          { name: 'Cleo Client', email: 'cleo.nb@initech.example', relationship: 'client' },
        ],
        client: { ip: '203.0.113.44', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) },
      });
      // What it did: three referees stored and followed by the workflow.
      const referees = await stack.referees(journeyId);
      expect(referees.map((r) => [r.position, r.name, r.relationship, r.workedFrom])).toEqual([
        [1, 'Mona Manager', 'manager', null],
        [2, 'Pete Peer', 'peer', '2021-05'],
        [3, 'Cleo Client', 'client', null],
      ]);
      expect(referees[0]).toMatchObject({
        nominatedFromIp: '203.0.113.44',
        nominatedFromFingerprint: (sent[0]!.arg as { client: { fingerprint: string } }).client.fingerprint,
      });
      expect((await handle.query(referenceCheckStateQuery)).referees.map((r) => r.refereeId)).toEqual(
        referees.map((r) => r.id),
      );
      // Then the page lists them and offers the one row left.
      const page = await get(nominate);
      expect(page.html).toMatch(/Mona Manager<\/strong> \(Manager, mona\.nb@globex\.example\): asked/);
      expect(countOf(page.html, '<fieldset class="row">')).toBe(1);
    });

    it("maps the workflow's issues back to the rows on the page", async () => {
      // Two tabs: the second form was read before the first one's referees were stored, so only
      // the workflow (its activity, against the database) sees that Pete is named twice.
      const { journeyId, nominate, handle } = await startDirect();
      const releaseWrites = await lockTable('referees', 'EXCLUSIVE');
      const first = nominateRows(nominate, threeReferees('tabs'));
      await waitForBlocked('%INSERT INTO%referees%');
      const releaseTemplates = await lockTable('assessment_test_versions', 'ACCESS EXCLUSIVE');
      const second = post(nominate, {
        'r0.name': 'Dora Manager',
        'r0.email': 'dora.tabs@globex.example',
        'r0.relationship': 'manager',
        'r2.name': 'Pete Peer',
        'r2.email': 'pete.tabs@globex.example',
        'r2.relationship': 'peer',
        'r3.name': 'Ed Peer',
        'r3.email': 'ed.tabs@globex.example',
        'r3.relationship': 'peer',
      });
      // The second request has read the (still empty) referees and waits for the template.
      await waitForBlocked('%assessment_test_versions%');
      await new Promise((r) => setTimeout(r, 300));
      await releaseWrites();
      // The first update has finished (the workflow is no longer saving a nomination) …
      expect((await first).status).toBe(200);
      expect((await handle.query(referenceCheckStateQuery)).referees).toHaveLength(3);
      // … before the second goes on: only the activity can refuse it now.
      await releaseTemplates();
      const res = await second;
      expect(res.status).toBe(400);
      // It did reach the workflow (the page's own check passed) and came back refused.
      expect(await received(journeyId, 'nominateReferees')).toHaveLength(2);
      expect(res.html).toContain('Referee 3: You have already named a referee with this e-mail address');
      expect(res.html).toMatch(/id="r2\.email-error">You have already named/);
      expect(res.html).toContain('You can name at most 4 referees in total; 3 are already named');
      expect(inputValue(res.html, 'r2.email')).toBe('pete.tabs@globex.example');
      expect(inputValue(res.html, 'r0.name')).toBe('Dora Manager');
      expect((await stack.referees(journeyId)).map((r) => r.name)).toEqual([
        'Mona Manager',
        'Pete Peer',
        'Cleo Client',
      ]);
    });

    it('shows a refused update as 409 with its reason', async () => {
      // A double click: the workflow refuses the second nomination while the first is being saved.
      const { journeyId, nominate } = await startDirect();
      const release = await lockTable('referees', 'EXCLUSIVE');
      let first: Promise<{ status: number }>;
      try {
        first = nominateRows(nominate, threeReferees('dc'));
        await waitForBlocked('%INSERT INTO%referees%');
        const res = await nominateRows(nominate, threeReferees('dc'));
        expect(res.status).toBe(409);
        expect(res.html).toContain('another nomination is being saved; try again in a moment');
      } finally {
        await release();
      }
      expect((await first).status).toBe(200);
      expect(await stack.referees(journeyId)).toHaveLength(3);
    });

    it('lists progress in words and offers replacements for referees who will not answer', async () => {
      const { journeyId, nominate } = await startDirect();
      const [ann, dan, bea] = await nominateThree(nominate, journeyId, 'pw', [
        { name: 'Ann Answered', email: 'ann.pw@globex.example', relationship: 'manager' },
        { name: 'Dan Declined', email: 'dan.pw@globex.example', relationship: 'peer' },
        { name: 'Bea Bounced', email: BOUNCING, relationship: 'peer' },
      ]);
      expect((await post(await stack.refereeLink(ann!), answerForm)).status).toBe(200);
      expect((await post(await stack.refereeLink(dan!), { action: 'decline' })).status).toBe(200);
      expect([await statusOf(ann!), await statusOf(dan!), await statusOf(bea!)]).toEqual([
        'answered',
        'declined',
        'bounced',
      ]);
      const page = await get(nominate);
      expect(page.html).toContain('Ann Answered</strong> (Manager, ann.pw@globex.example): answered');
      expect(page.html).toContain('Dan Declined declined — you may name someone else.');
      expect(page.html).toContain('Bea Bounced could not be reached — you may name someone else.');
      expect(countOf(page.html, '<fieldset class="row">')).toBe(3);
    });

    it('shows no form when every referee is named', async () => {
      // Each referee has 5 s; three answers are needed, so two answers do not complete the check.
      const { journeyId, nominate } = await startDirect({ refereeSeconds: 5, quorum: 3 });
      const rows: Row[] = [1, 2, 3].map((i) => ({
        name: `R ${i}`,
        email: `r${i}.nf@globex.example`,
        relationship: 'manager',
      }));
      const [r1, r2, r3] = await nominateThree(nominate, journeyId, 'nf', rows);
      for (const id of [r1!, r2!])
        expect((await post(await stack.refereeLink(id), answerForm)).status).toBe(200);
      await waitForStatus(r3!, 'expired');
      // expired is replaceable: a row for each of the two places left
      const expired = await get(nominate);
      expect(countOf(expired.html, '<fieldset class="row">')).toBe(2);
      expect(expired.html).toContain('R 3 did not answer in time');
      expect(
        (
          await nominateRows(nominate, [
            { name: 'R 4', email: 'r4.nf@globex.example', relationship: 'manager' },
            { name: 'R 5', email: 'r5.nf@globex.example', relationship: 'peer' },
          ])
        ).status,
      ).toBe(200);
      const r4 = `${journeyId}:referee-4`;
      await get(await stack.refereeLink(r4));
      await waitForStatus(r4, 'opened');
      const page = await get(nominate);
      expect(page.html).not.toContain('<form');
      expect(page.html).toContain('You have named all the referees needed');
      expect(page.html).toContain('R 4</strong> (Manager, r4.nf@globex.example): opened the request');
    });
  });

  describe('questionnaire page', () => {
    /** A check with three referees asked; Mona (a manager, 2021-03 to 2023-11) is the first. */
    async function withReferee(tag: string, policy: { refereeSeconds?: number } = {}) {
      const started = await startDirect(policy);
      const rows = threeReferees(tag);
      rows[0] = { ...rows[0], workedFrom: '2021-03', workedTo: '2023-11' };
      const ids = await nominateThree(started.nominate, started.journeyId, tag, rows);
      return { ...started, ids, id: ids[0]!, link: await stack.refereeLink(ids[0]!) };
    }
    const childState = (id: string) => stack.temporal.workflow.getHandle(id).query(refereeRequestStateQuery);

    it('signals "opened" and shows the candidate, the relationship, the questions and the decline form', async () => {
      const { id, link, handle, candidateName } = await withReferee('op');
      const page = await get(link, { 'user-agent': 'TestBrowser/1.0', 'x-forwarded-for': '198.51.100.7' });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await received(id, 'refereeOpened')).toEqual([
        {
          name: 'refereeOpened',
          arg: { client: { ip: '198.51.100.7', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) } },
        },
      ]);
      await waitForStatus(id, 'opened');
      expect((await childState(id)).status).toBe('opened');
      await waitFor(
        'the parent told',
        async () =>
          (await handle.query(referenceCheckStateQuery)).referees.find((r) => r.refereeId === id)?.status ===
          'opened',
      );
      expect(page.html).toContain(`<h1>Reference for ${candidateName}</h1>`);
      expect(page.html).toContain('<strong>Manager</strong>');
      expect(page.html).toContain('from 2021-03 until 2023-11');
      expect(countOf(page.html, 'name="q:quality"')).toBe(5);
      expect(page.html).toContain('value="1"> 1 – Poor</label>');
      expect(page.html).toContain('value="5"> 5 – Outstanding</label>');
      expect(page.html).toContain('<textarea id="q:comments" name="q:comments" maxlength="5000">');
      expect(Date.parse(inputValue(page.html, 'openedAt')!)).toBeGreaterThan(Date.now() - 60_000);
      expect(page.html).toContain('name="action" value="submit"');
      expect(page.html).toContain('<textarea id="declineReason" name="declineReason"');
      expect(page.html).toContain('name="action" value="decline"');
    });

    it('re-renders a missing rating with the message and keeps what was typed and chosen', async () => {
      const { id, link } = await withReferee('mr');
      const openedAt = '2030-01-01T10:00:00.000Z';
      const res = await post(link, {
        openedAt,
        'q:teamwork': '4',
        'q:comments': 'Clear writing <and> careful reviews.',
        action: 'submit',
      });
      expect(res.status).toBe(400);
      expect(res.html).toContain('role="alert"');
      expect(res.html).toMatch(/id="q:quality-error">Choose a rating/);
      expect(res.html).toContain('<li>Question 1: Choose a rating</li>');
      expect(res.html).not.toContain('Question 2:');
      expect(res.html).toContain('name="q:teamwork" value="4" checked');
      expect(res.html).not.toContain('name="q:quality" value="4" checked');
      expect(res.html).toContain('>Clear writing &lt;and&gt; careful reviews.</textarea>');
      expect(inputValue(res.html, 'openedAt')).toBe(openedAt);
      expect(await received(id)).toEqual([]);
      expect(await statusOf(id)).toBe('requested');
      expect((await childState(id)).status).toBe('requested');
    });

    it('submits the parsed answers with when the page was opened, then thanks', async () => {
      const { id, link } = await withReferee('sb');
      // Opened a moment ago: quicker than the template's minimum of 1 s.
      const openedAt = new Date(Date.now() - 200).toISOString();
      const res = await post(
        link,
        {
          openedAt,
          'q:quality': '5',
          'q:teamwork': '4',
          'q:comments': '  Calm\r\nunder pressure. ',
          action: 'submit',
        },
        { 'x-forwarded-for': '198.51.100.20' },
      );
      expect(res.status).toBe(200);
      expect(res.html).toContain('Thank you — your reference was received');
      expect(await received(id, 'submitReference')).toEqual([
        {
          name: 'submitReference',
          arg: {
            answers: { quality: 5, teamwork: 4, comments: 'Calm\nunder pressure.' },
            openedAt,
            client: { ip: '198.51.100.20', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) },
          },
        },
      ]);
      const stored = await refereeRow(id);
      expect(stored).toMatchObject({
        status: 'answered',
        answers: { quality: 5, teamwork: 4, comments: 'Calm\nunder pressure.' },
        answeredFromIp: '198.51.100.20',
      });
      // The workflow used openedAt: the answers came faster than the template's minimum.
      expect((stored.fraudSignals as { kind: string }[]).map((s) => s.kind)).toContain('fast_answers');
      expect((await childState(id)).status).toBe('answered');
    });

    it('sends openedAt null when the hidden field is not a date', async () => {
      const { id, link } = await withReferee('nd');
      const res = await post(link, {
        openedAt: 'yesterday-ish',
        'q:quality': '3',
        'q:teamwork': '3',
        action: 'submit',
      });
      expect(res.status).toBe(200);
      expect((await received(id, 'submitReference'))[0]?.arg).toMatchObject({ openedAt: null });
      // Without a time of opening there is no "answered too fast" signal.
      const stored = await refereeRow(id);
      expect(stored.status).toBe('answered');
      expect((stored.fraudSignals as { kind: string }[]).map((s) => s.kind)).not.toContain('fast_answers');
    });

    it('declines with the reason trimmed, or null when none is given', async () => {
      const { ids, link } = await withReferee('dc');
      const res = await post(link, { declineReason: '  I never managed them. ', action: 'decline' });
      expect(res.status).toBe(200);
      expect(res.html).toContain('You declined this request');
      const other = await post(await stack.refereeLink(ids[1]!), { declineReason: '   ', action: 'decline' });
      expect(other.status).toBe(200);
      expect(await received(ids[0]!, 'declineReference')).toEqual([
        { name: 'declineReference', arg: { reason: 'I never managed them.' } },
      ]);
      expect(await received(ids[1]!, 'declineReference')).toEqual([
        { name: 'declineReference', arg: { reason: null } },
      ]);
      expect(await refereeRow(ids[0]!)).toMatchObject({
        status: 'declined',
        declineReason: 'I never managed them.',
      });
      expect(await refereeRow(ids[1]!)).toMatchObject({ status: 'declined', declineReason: null });
      expect((await childState(ids[0]!)).status).toBe('declined');
    });

    it('409s a refused update with its reason, 400s an unknown action', async () => {
      const { id, link } = await withReferee('rf');
      expect((await post(link, { action: 'delete' })).status).toBe(400);
      expect((await post(link, {})).status).toBe(400);
      // A double click: the second request comes while the answers are being saved.
      const release = await lockTable('referees', 'EXCLUSIVE');
      let first: Promise<{ status: number }>;
      try {
        first = post(link, answerForm);
        await waitForBlocked('%UPDATE%referees%answers%');
        const res = await post(link, { action: 'decline' });
        expect(res.status).toBe(409);
        expect(res.html).toContain('your previous answer is still being saved');
      } finally {
        await release();
      }
      expect((await first).status).toBe(200);
      expect(await statusOf(id)).toBe('answered');
      expect(await received(id, 'declineReference')).toEqual([]);
    });

    /** A referee brought to `status` for real: answered, declined, stopped by a cancel, or too late. */
    async function closedReferee(status: string) {
      const { id, link, handle } = await withReferee(`cl${status.slice(0, 3)}`, {
        refereeSeconds: status === 'expired' ? 3 : 600,
      });
      if (status === 'answered') await post(link, answerForm);
      if (status === 'declined') await post(link, { action: 'decline' });
      if (status === 'cancelled')
        await handle.executeUpdate(cancelReferenceCheckUpdate, { args: [{ reason: 'position filled' }] });
      await waitForStatus(id, status);
      return { id, link };
    }

    it.each([
      ['answered', 'Thank you — your reference was received'],
      ['declined', 'You declined this request'],
      ['cancelled', 'no longer needed'],
      ['expired', 'The deadline passed'],
    ])('a referee who is %s sees a closed page and no signal is sent', async (status, words) => {
      const { id, link } = await closedReferee(status);
      const before = await received(id);
      const page = await get(link);
      expect(page.status).toBe(200);
      expect(page.html).toContain(words);
      expect(page.html).not.toContain('<form');
      expect((await post(link, { action: 'decline' })).status).toBe(409);
      expect(await received(id)).toEqual(before);
      expect(before.filter((r) => r.name === 'refereeOpened')).toEqual([]);
      expect(await statusOf(id)).toBe(status);
    });

    it('404s an unknown token and a nomination token', async () => {
      expect((await get(`${stack.api.url}/q/grq_thisTokenDoesNotExist_0123456789`)).status).toBe(404);
      const { nominate } = await startDirect();
      expect((await get(nominate.replace('/n/', '/q/'))).status).toBe(404);
    });
  });
});

describe('clientFingerprintOf', () => {
  const req = (headers: Record<string, string>, ip = '203.0.113.9') =>
    ({ ip, get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;

  it('hashes the browser headers: same browser, same value; another language, another value', () => {
    const chrome = {
      'user-agent': 'Mozilla/5.0 Chrome/131',
      'accept-language': 'en-GB',
      'sec-ch-ua-mobile': '?1',
    };
    const a = clientFingerprintOf(req(chrome));
    expect(a).toEqual({ ip: '203.0.113.9', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(clientFingerprintOf(req(chrome, '198.51.100.1')).fingerprint).toBe(a.fingerprint);
    expect(clientFingerprintOf(req({ ...chrome, 'accept-language': 'de-DE' })).fingerprint).not.toBe(
      a.fingerprint,
    );
  });

  it('has no fingerprint without a User-Agent, and no ip when Express has none', () => {
    expect(clientFingerprintOf(req({ 'accept-language': 'en' }))).toEqual({
      ip: '203.0.113.9',
      fingerprint: null,
    });
    const noIp = { ip: undefined, get: (name: string) => (name === 'user-agent' ? 'x' : undefined) };
    expect(clientFingerprintOf(noIp as unknown as Request).ip).toBeNull();
  });
});

// The whole product (database, Temporal worker, SMTP server, Greenhouse sandbox, API): the recruiter
// sends the reference check in Greenhouse, the candidate names referees in Chromium on a phone from
// the link in their e-mail, one referee answers, another declines, each from their own e-mail.
describe('reference-check pages in Chromium on the real stack', () => {
  const chrome = useBrowser();
  let stack: ReferenceCheckStack;
  let journeyId: string;
  let candidateEmail: string;
  let candidateName: string;

  beforeAll(async () => {
    stack = await startReferenceCheckStack();
    const application = stack.sb.state.org(stack.org.org.id)!.applications.all()[0]!;
    await stack.sendReferenceCheck(application.id);
    journeyId = stack.referenceJourneyIdFor(application.id);
  });
  afterAll(async () => stack?.close());

  /** A fresh browser context on a phone; console errors (CSP violations) are collected. */
  async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await (await chrome.browser.newContext(phone)).newPage();
    const { errors } = watchConsole(page);
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    return { page, errors };
  }

  /** Clicks a submit button; the status of the POST it makes. */
  async function submit(page: Page, button: string): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: button }).click(),
    ]);
    await page.waitForLoadState();
    return response.status();
  }

  const row = (page: Page, i: number, field: string) =>
    page.locator(field === 'relationship' ? `select[name="r${i}.${field}"]` : `input[name="r${i}.${field}"]`);

  async function expectGoodPage(page: Page, errors: string[]) {
    await expectAccessibleBasics(page);
    await expectNoHorizontalScroll(page);
    expect(errors).toEqual([]);
  }

  it('the candidate names referees: every mistake is explained, everything typed is kept', async () => {
    const link = await stack.nominationLink(journeyId);
    const candidate = await stack.database.db.journeyCandidate.findUniqueOrThrow({ where: { journeyId } });
    candidateEmail = candidate.email;
    candidateName = `${candidate.firstName} ${candidate.lastName}`;
    const { page, errors } = await openPage(link);
    await expectGoodPage(page, errors);
    expect(await page.locator('h1').innerText()).toBe('Standard reference check');
    expect(await page.locator('main').innerText()).toContain('including at least 1 manager');
    expect(await page.locator('fieldset').count()).toBe(4);

    // Row 1 without a name, row 2 with a broken address, row 3 with the candidate's own address.
    await row(page, 0, 'email').fill('mona.manager@former.example');
    await row(page, 0, 'relationship').selectOption('manager');
    await row(page, 0, 'company').fill('Former Ltd');
    await row(page, 0, 'workedFrom').fill('2019-02');
    await row(page, 0, 'workedTo').fill('2022-08');
    await row(page, 1, 'name').fill('Pete Peer');
    await row(page, 1, 'email').fill('pete.peer@former');
    await row(page, 1, 'relationship').selectOption('peer');
    await row(page, 1, 'phone').fill('+44 20 7946 0000');
    await row(page, 2, 'name').fill('Dora Report');
    await row(page, 2, 'email').fill(candidateEmail);
    await row(page, 2, 'relationship').selectOption('direct_report');
    await row(page, 2, 'title').fill('Engineer');
    expect(await submit(page, 'Send to referees')).toBe(400);

    const alert = await page.getByRole('alert').innerText();
    expect(alert).toContain("Referee 1: Enter the referee's name");
    expect(alert).toContain('Referee 2: Enter a valid e-mail address');
    expect(alert).toContain('Referee 3: A referee cannot be yourself');
    expect(await page.locator('[id="r0.name-error"]').innerText()).toContain("Enter the referee's name");
    expect(await page.locator('[id="r1.email-error"]').innerText()).toContain('Enter a valid e-mail address');
    expect(await page.locator('[id="r2.email-error"]').innerText()).toContain('A referee cannot be yourself');
    const kept: [number, string, string][] = [
      [0, 'email', 'mona.manager@former.example'],
      [0, 'relationship', 'manager'],
      [0, 'company', 'Former Ltd'],
      [0, 'workedFrom', '2019-02'],
      [0, 'workedTo', '2022-08'],
      [1, 'name', 'Pete Peer'],
      [1, 'email', 'pete.peer@former'],
      [1, 'relationship', 'peer'],
      [1, 'phone', '+44 20 7946 0000'],
      [2, 'name', 'Dora Report'],
      [2, 'email', candidateEmail],
      [2, 'relationship', 'direct_report'],
      [2, 'title', 'Engineer'],
      [3, 'name', ''],
    ];
    for (const [i, field, value] of kept)
      expect(await row(page, i, field).inputValue(), `r${i}.${field}`).toBe(value);
    await expectGoodPage(page, errors);
    expect(await stack.referees(journeyId)).toEqual([]);

    await row(page, 0, 'name').fill('Mona Manager');
    await row(page, 1, 'email').fill('pete.peer@former.example');
    await row(page, 2, 'email').fill('dora.report@former.example');
    expect(await submit(page, 'Send to referees')).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Thank you');
    const thanks = await page.locator('main').innerText();
    for (const name of ['Mona Manager', 'Pete Peer', 'Dora Report']) expect(thanks).toContain(name);

    const referees = await stack.referees(journeyId);
    expect(referees.map((r) => [r.name, r.email, r.relationship])).toEqual([
      ['Mona Manager', 'mona.manager@former.example', 'manager'],
      ['Pete Peer', 'pete.peer@former.example', 'peer'],
      ['Dora Report', 'dora.report@former.example', 'direct_report'],
    ]);
    expect(referees[0]).toMatchObject({ company: 'Former Ltd', workedFrom: '2019-02', workedTo: '2022-08' });
    expect(referees[1]).toMatchObject({ phone: '+44 20 7946 0000' });
    expect(referees[2]).toMatchObject({ title: 'Engineer' });
    expect(referees[0]!.nominatedFromFingerprint).toMatch(/^[0-9a-f]{32}$/);

    // Back on the page: the three are listed and one row is left.
    await page.goto(link);
    expect(await page.locator('main').innerText()).toContain('Mona Manager');
    expect(await page.locator('fieldset').count()).toBe(1);
  });

  it('a referee answers: a missing rating is explained and the text typed is kept', async () => {
    const mona = (await stack.referees(journeyId))[0]!;
    const { page, errors } = await openPage(await stack.refereeLink(mona.id));
    await expectGoodPage(page, errors);
    expect(await page.locator('h1').innerText()).toBe(`Reference for ${candidateName}`);
    expect(await page.locator('main').innerText()).toContain('Manager');
    await waitFor(
      'the referee to be marked opened',
      async () =>
        (await stack.database.db.referee.findUnique({ where: { id: mona.id } }))?.status === 'opened',
    );

    const comments = 'Reliable, careful with reviews.\nWould hire again.';
    await page.locator('input[name="q:teamwork"][value="4"]').check();
    await page.locator('textarea[name="q:comments"]').fill(comments);
    expect(await submit(page, 'Submit reference')).toBe(400);
    expect(await page.getByRole('alert').innerText()).toContain('Question 1: Choose a rating');
    expect(await page.locator('[id="q:quality-error"]').innerText()).toBe('Choose a rating');
    expect(await page.locator('textarea[name="q:comments"]').inputValue()).toBe(comments);
    expect(await page.locator('input[name="q:teamwork"][value="4"]').isChecked()).toBe(true);
    await expectGoodPage(page, errors);

    await page.locator('input[name="q:quality"][value="5"]').check();
    expect(await submit(page, 'Submit reference')).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Thank you — your reference was received');
    const stored = await waitFor('the answers in the database', async () => {
      const r = await stack.database.db.referee.findUnique({ where: { id: mona.id } });
      return r?.status === 'answered' ? r : null;
    });
    expect(stored.answers).toEqual({ quality: 5, teamwork: 4, comments });

    // The link again: nothing left to do.
    await page.goto(await stack.refereeLink(mona.id));
    expect(await page.locator('h1').innerText()).toBe('Thank you — your reference was received');
    expect(await page.locator('form').count()).toBe(0);
  });

  it('another referee declines from their own link', async () => {
    const pete = (await stack.referees(journeyId))[1]!;
    const { page, errors } = await openPage(await stack.refereeLink(pete.id));
    await page.locator('textarea[name="declineReason"]').fill('  We only met twice.  ');
    expect(await submit(page, 'Decline this request')).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('You declined this request');
    expect(errors).toEqual([]);
    const stored = await waitFor('the refusal in the database', async () => {
      const r = await stack.database.db.referee.findUnique({ where: { id: pete.id } });
      return r?.status === 'declined' ? r : null;
    });
    expect(stored.declineReason).toBe('We only met twice.');

    await page.goto(await stack.refereeLink(pete.id));
    expect(await page.locator('h1').innerText()).toBe('You declined this request');

    // The candidate is told, without the name, and the page offers a row for someone else.
    const replace = await stack.smtp.waitFor(
      (m) => m.idempotencyKey === `${journeyId}:replace_referee:1`,
      30_000,
    );
    const mail = replace.parts.find((p) => p.contentType === 'text/plain')!.body;
    expect(mail).toContain('declined');
    expect(mail).not.toContain('Pete');
    const candidate = await openPage(await stack.nominationLink(journeyId, 'replace_referee', 1));
    const text = await candidate.page.locator('main').innerText();
    expect(text).toContain('Pete Peer declined — you may name someone else.');
    expect(text).toMatch(/Mona Manager \(Manager, mona\.manager@former\.example\): answered/);
    expect(await candidate.page.locator('fieldset').count()).toBe(2);
    await expectGoodPage(candidate.page, candidate.errors);
  });
});
