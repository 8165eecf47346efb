import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneySealer, ErasedDataError } from '../../security/journey-sealing.js';
import { isSealed } from '../../domain/sealed.js';
import { waitFor } from '../../harness/processes.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';

// Erasing a candidate (GDPR) on the real stack: a running reference check whose candidate named
// referees and one referee answered. Afterwards our database holds none of their personal data,
// the journey is stopped, the personal data in Temporal's history can no longer be unsealed (its
// key is destroyed), and the audit trail says that it happened — not what was erased.
describe('erasing a candidate', () => {
  let stack: ReferenceCheckStack;
  beforeAll(async () => {
    stack = await startReferenceCheckStack();
  });
  afterAll(async () => stack?.close());

  /**
   * The text of every payload in a workflow's history, decoded through the client's payload codecs
   * as the Temporal UI would (so this sees what an operator with the codec sees).
   */
  async function historyText(workflowId: string): Promise<string> {
    const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
    let payloads: Payload[] = [];
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if (node instanceof Uint8Array) return;
      const candidate = node as { metadata?: unknown; data?: unknown };
      if (candidate.metadata && candidate.data instanceof Uint8Array) payloads.push(node as Payload);
      else for (const value of Object.values(node)) walk(value);
    };
    walk(history);
    // Search attributes are never encoded, and the codec now refuses plain payloads: decode the
    // encrypted ones and read the plain ones as they are (both are searched for personal data).
    const isEncrypted = (p: Payload) =>
      Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString('utf8') === 'binary/encrypted';
    const plain = payloads.filter((p) => !isEncrypted(p));
    payloads = payloads.filter(isEncrypted);
    const codecs = stack.temporal.options.loadedDataConverter.payloadCodecs;
    for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
    return [...plain, ...payloads]
      .map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'))
      .join('\n');
  }

  /** Every row of every table of our database, as text. */
  async function everything(): Promise<string> {
    const tables = await stack.database.db.$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
    const dumps: string[] = [];
    for (const { table_name } of tables) {
      const rows = await stack.database.db.$queryRawUnsafe<{ row: string }[]>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      dumps.push(...rows.map((r) => r.row));
    }
    return dumps.join('\n');
  }

  it('blanks every personal field, stops the journey, shreds the history’s personal data and audits it', async () => {
    const { journeyId, handle, candidate, candidateEmail } = await stack.startReferenceCheckDirect(0);
    const marker = 'Zanzibar-quartz-7741 was the best teammate';
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    const nominated = await fetch(
      await stack.nominationLink(journeyId),
      form({
        'r0.name': 'Margot Managerial',
        'r0.email': 'margot.managerial@globex.example',
        'r0.relationship': 'manager',
        'r1.name': 'Percival Peerless',
        'r1.email': 'percival.peerless@globex.example',
        'r1.relationship': 'peer',
        'r2.name': 'Clementine Clientele',
        'r2.email': 'clementine.clientele@initech.example',
        'r2.relationship': 'client',
      }),
    );
    expect(nominated.status).toBe(200);
    const [first] = await stack.referees(journeyId);
    const answered = await fetch(
      await stack.refereeLink(first!.id),
      form({ action: 'submit', 'q:quality': '5', 'q:teamwork': '4', 'q:comments': marker }),
    );
    expect(answered.status).toBe(200);
    await waitFor(
      'the answer stored',
      async () => (await stack.referees(journeyId))[0]!.status === 'answered',
    );
    // The answered referee's request has ended; the other two are still asked.
    await stack.temporal.workflow.getHandle(first!.id).result();

    const personal = [
      candidate.firstName,
      candidate.lastName,
      candidateEmail,
      'Margot Managerial',
      'margot.managerial@globex.example',
      'percival.peerless@globex.example',
      'Clementine Clientele',
      marker,
    ];
    // Before: in our database (that is where it belongs) …
    const before = await everything();
    for (const value of personal) expect(before).toContain(value);
    // … and in Temporal's history only sealed: the update arguments carry `gs1.` blobs.
    const history = (await historyText(journeyId)) + (await historyText(first!.id));
    for (const value of personal) expect(history, value).not.toContain(value);
    const sealedInHistory = [...history.matchAll(/"sealed":"(gs1\.[A-Za-z0-9_.-]+)"/g)].map((m) => m[1]!);
    expect(sealedInHistory.length).toBeGreaterThanOrEqual(3); // nominations, browser, answers
    const sealer = createJourneySealer({ db: stack.database.db, secrets: stack.secrets });
    const readable = await Promise.all(sealedInHistory.map((sealed) => sealer.unseal(journeyId, { sealed })));
    expect(JSON.stringify(readable)).toContain(marker);

    const erased = await stack.api.call(
      'POST',
      `/operator/journeys/${encodeURIComponent(journeyId)}/erase`,
      {},
    );
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ journeyId, erased: { referees: 3, stoppedWorkflows: 3 } }); // the check and the two referees still asked

    // Nothing personal is left anywhere in our database.
    const after = await everything();
    for (const value of personal) expect(after, value).not.toContain(value);
    // The journey and its referee requests are stopped; the read model says so.
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const [, second] = await stack.referees(journeyId);
    expect((await stack.temporal.workflow.getHandle(second!.id).describe()).status.name).toBe('TERMINATED');
    expect(await stack.database.db.journey.findUniqueOrThrow({ where: { id: journeyId } })).toMatchObject({
      status: 'cancelled',
      erasedAt: expect.any(Date),
    });
    // The history still holds the sealed values, but their key is gone: they cannot be read.
    for (const sealed of sealedInHistory) {
      expect(isSealed({ sealed })).toBe(true);
      await expect(sealer.unseal(journeyId, { sealed })).rejects.toBeInstanceOf(ErasedDataError);
    }
    // The links are dead.
    expect((await fetch(await stack.refereeLink(first!.id))).status).toBe(404);
    // The audit trail says it happened, by whom, and counts — not what.
    const audit = await stack.database.db.auditEntry.findMany({
      where: { journeyId, action: 'journey.erase' },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'bootstrap', outcome: 'ok' });
    for (const value of personal) expect(JSON.stringify(audit[0]!.detail)).not.toContain(value);

    // Erasing again changes nothing and says so.
    const again = await stack.api.call(
      'POST',
      `/operator/journeys/${encodeURIComponent(journeyId)}/erase`,
      {},
    );
    expect(again).toMatchObject({ status: 200, body: { erased: { stoppedWorkflows: 0 } } });
  });
});
