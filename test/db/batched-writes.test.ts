import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, sqlPoolOf } from '../../db/client.js';
import { appendJourneyEvent } from '../../db/repositories/journey-events.js';
import { createJourneyRepository } from '../../db/repositories/journeys.js';
import { distinctRounds, perTurn } from '../../db/turn-batch.js';
import { sendOnce } from '../../journeys/email-ledger.js';
import { issueLink, resolveLink } from '../../journeys/links.js';
import { createInMemoryOutboxStore, createMailer, createOutboxTransport } from '../../mail/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { countStatements } from './count-statements.js';

// Writes issued in one event-loop turn go to PostgreSQL as one statement (db/turn-batch.ts, issue 17)
// with the same rows and the same idempotency as one statement each.

describe('perTurn', () => {
  it('gathers the items of one turn into one flush, each caller getting its own result', async () => {
    const flushes: number[][] = [];
    const double = perTurn(async (items: number[]) => {
      flushes.push(items);
      return items.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
    expect(await double(4)).toBe(8);
    expect(flushes).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every member of a failed flush, and the next turn starts afresh', async () => {
    const write = perTurn(async (items: string[]) => {
      if (items.includes('bad')) throw new Error('the statement failed');
      return items;
    });
    const outcomes = await Promise.allSettled(['a', 'bad', 'b'].map(write));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await write('a')).toBe('a');
    // A flush answering the wrong number of results is a failure too, not a wrong answer.
    const short = perTurn(async (items: string[]) => items.slice(1));
    await expect(Promise.all(['x', 'y'].map(short))).rejects.toThrow(/answered 1 results for 2 items/);
  });

  it('flushes at once when a turn reaches the bound', async () => {
    const sizes: number[] = [];
    const write = perTurn(
      async (items: number[]) => {
        sizes.push(items.length);
        return items;
      },
      { max: 4 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => write(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('puts a key written twice in the next round, in order', () => {
    const rounds = distinctRounds(['a1', 'b1', 'a2', 'a3', 'c1'], (s) => s[0]!);
    expect(rounds.map((r) => r.map(({ item, index }) => `${item}@${index}`))).toEqual([
      ['a1@0', 'b1@1', 'c1@4'],
      ['a2@2'],
      ['a3@3'],
    ]);
  });
});

describe('batched writes on PostgreSQL', () => {
  let t: TestDatabase;
  const tenantId = 'tenant-batch';
  const journeyIds = Array.from({ length: 6 }, (_, i) => `assessment:${tenantId}:app-${i}:test-1`);
  /** A mailer into an in-memory outbox, noting every delivery (the outbox keeps one per key). */
  const mailer = () => {
    const outbox = createOutboxTransport({ store: createInMemoryOutboxStore() });
    const delivered: string[] = [];
    const transport = {
      ...outbox,
      deliver: (m: Parameters<typeof outbox.deliver>[0]) => {
        delivered.push(m.idempotencyKey);
        return outbox.deliver(m);
      },
    };
    return { delivered, mailer: createMailer({ transport }) };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db.tenant.create({ data: { id: tenantId, slug: tenantId, name: tenantId } });
    const journeys = createJourneyRepository(t.db);
    await journeys.createMany(
      journeyIds.map((id, i) => ({
        journey: {
          id,
          tenantId,
          kind: 'assessment' as const,
          testId: 'test-1',
          testVersion: 1,
          trigger: 'webhook' as const,
          greenhouseApplicationId: null,
          greenhouseCandidateId: null,
          jobId: null,
          callbackUrl: null,
          sentBy: null,
        },
        candidate: {
          firstName: `C${i}`,
          lastName: 'L',
          preferredName: null,
          email: `c${i}@example.com`,
          phone: null,
        },
      })),
    );
  });
  afterAll(async () => t?.drop());

  it('timeline rows of one turn: one INSERT, every row as written', async () => {
    const statements = countStatements(t.db);
    await Promise.all(
      journeyIds.map((journeyId, i) =>
        appendJourneyEvent(t.db, {
          journeyId,
          step: 'sendCandidateEmail',
          label: `invite ${i}`,
          attempt: i + 1,
          outcome: i === 5 ? 'failed' : 'ok',
          detail: i === 5 ? 'smtp said no' : null,
        }),
      ),
    );
    expect(statements.stop()).toBe(1);
    const rows = await t.db.journeyEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.journeyId, r.label, r.attempt, r.outcome, r.detail, r.count])).toEqual(
      journeyIds.map((id, i) => [
        id,
        `invite ${i}`,
        i + 1,
        i === 5 ? 'failed' : 'ok',
        i === 5 ? 'smtp said no' : null,
        1,
      ]),
    );
  });

  it('access links of one turn: one INSERT, each link opening its own journey; a bad one fails its batch', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    const statements = countStatements(t.db);
    const urls = await Promise.all(
      journeyIds.map((journeyId) =>
        issueLink(t.db, { journeyId, purpose: 'take_test', expiresAt, publicBaseUrl: 'https://x.test' }),
      ),
    );
    expect(statements.stop()).toBe(1);
    for (const [i, url] of urls.entries()) {
      expect(await resolveLink(t.db, url.split('/').pop()!, 'take_test')).toBe(journeyIds[i]);
    }
    const stored = await t.db.accessLink.findFirstOrThrow({ where: { journeyId: journeyIds[0] } });
    expect(stored.expiresAt.toISOString()).toBe(expiresAt.toISOString());

    // One row the table refuses (a purpose the enum does not have) fails the statement: every link
    // of that turn is refused and none is written, so each activity retries as it would have alone.
    const before = await t.db.accessLink.count();
    const outcomes = await Promise.allSettled([
      issueLink(t.db, { journeyId: 'j-ok', purpose: 'grade', expiresAt, publicBaseUrl: '' }),
      issueLink(t.db, {
        journeyId: 'j-bad',
        purpose: 'bogus' as 'grade',
        expiresAt,
        publicBaseUrl: '',
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await t.db.accessLink.count()).toBe(before);
    await issueLink(t.db, { journeyId: 'j-ok', purpose: 'grade', expiresAt, publicBaseUrl: '' });
    expect(await t.db.accessLink.count()).toBe(before + 1);
  });

  it('the e-mail ledger: one claim and one sent mark per turn, every key sent once however often asked', async () => {
    const { delivered, mailer: m } = mailer();
    const send = (journeyId: string) => sendOnce({ db: t.db, mailer: m }, mail(`${journeyId}:invite:1`));
    const statements = countStatements(t.db);
    const first = await Promise.all(journeyIds.map(send));
    // One claim statement and one sent statement for the whole turn.
    expect(statements.stop()).toBe(2);
    expect(first.every((r) => r.sent)).toBe(true);
    const rows = await t.db.emailDelivery.findMany({ orderBy: { idempotencyKey: 'asc' } });
    expect(rows).toHaveLength(journeyIds.length);
    expect(rows.every((r) => r.status === 'sent' && r.sentAt !== null)).toBe(true);
    // A retry of them all: already sent, nothing sent again.
    expect((await Promise.all(journeyIds.map(send))).every((r) => !r.sent)).toBe(true);
    expect(delivered.sort()).toEqual(journeyIds.map((id) => `${id}:invite:1`).sort());

    // A key asked twice in one turn is claimed once: the second caller sees a `sending` row, as
    // two concurrent attempts did before, and the row ends `sent`.
    const key = 'dup:invite:1';
    const claimedTwice = await Promise.all([0, 1].map(() => sendOnce({ db: t.db, mailer: m }, mail(key))));
    expect(claimedTwice.map((r) => r.sent)).toEqual([true, true]);
    expect(await t.db.emailDelivery.findUniqueOrThrow({ where: { idempotencyKey: key } })).toMatchObject({
      status: 'sent',
      journeyId: 'dup',
    });
    expect(await t.db.emailDelivery.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it('snapshots of one turn: one statement per round, each applied only when newer', async () => {
    const journeys = createJourneyRepository(t.db);
    const snap = (journeyId: string, stateVersion: number) => ({
      journeyId,
      tenantId,
      kind: 'assessment' as const,
      status: 'sent' as const,
      statusDetail: `v${stateVersion}`,
      stateVersion,
      testId: 'test-1',
      deadlineAt: '2030-01-01T00:00:00.000Z',
      completedAt: null,
      greenhouseApplicationId: null,
      scorePercent: null,
    });
    const [a, b, c] = journeyIds;
    const statements = countStatements(t.db);
    const results = await Promise.all([
      journeys.recordSnapshot(snap(a!, 1)),
      journeys.recordSnapshot(snap(b!, 2)),
      // The same journey again in the same turn: the next statement, in order.
      journeys.recordSnapshot(snap(a!, 2)),
      journeys.recordSnapshot(snap(b!, 1)), // older than b's v2: refused
      journeys.recordSnapshot(snap(c!, 1)),
      journeys.recordSnapshot(snap(c!, 1)), // a repeat: refused
    ]);
    expect(statements.stop()).toBe(2);
    expect(results.map((r) => r.applied)).toEqual([true, true, true, false, true, false]);
    const rows = await t.db.journey.findMany({
      where: { id: { in: [a!, b!, c!] } },
      orderBy: { id: 'asc' },
      select: { id: true, stateVersion: true, statusDetail: true, deadlineAt: true },
    });
    expect(rows.map((r) => [r.id, r.stateVersion, r.statusDetail, r.deadlineAt?.toISOString()])).toEqual([
      [a, 2, 'v2', '2030-01-01T00:00:00.000Z'],
      [b, 2, 'v2', '2030-01-01T00:00:00.000Z'],
      [c, 1, 'v1', '2030-01-01T00:00:00.000Z'],
    ]);
  });

  it('application matches of one turn: one UPDATE; a journey not in the read model throws alone', async () => {
    const journeys = createJourneyRepository(t.db);
    const statements = countStatements(t.db);
    const outcomes = await Promise.allSettled([
      journeys.recordApplication(journeyIds[3]!, 'app-3', 'cand-3'),
      journeys.recordApplication('assessment:nowhere', 'app-x', 'cand-x'),
      journeys.recordApplication(journeyIds[4]!, 'app-4', 'cand-4'),
    ]);
    expect(statements.stop()).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(
      new Error('journey assessment:nowhere is not in the read model'),
    );
    const row = await t.db.journey.findUniqueOrThrow({ where: { id: journeyIds[4]! } });
    expect([row.greenhouseApplicationId, row.greenhouseCandidateId]).toEqual(['app-4', 'cand-4']);
  });

  it('falls back to Prisma once the pool is gone, with the same rows and answers', async () => {
    const other = createDatabase({ url: t.url, poolSize: 2 });
    await other.$connect();
    await other.$disconnect();
    expect(sqlPoolOf(other)).toBeUndefined();
    try {
      const journeys = createJourneyRepository(other);
      const id = journeyIds[5]!;
      const expiresAt = new Date(Date.now() + 86_400_000);
      const [url] = await Promise.all([
        issueLink(other, { journeyId: id, purpose: 'grade', expiresAt, publicBaseUrl: '' }),
        appendJourneyEvent(other, {
          journeyId: id,
          step: 'requestGrading',
          label: 'via prisma',
          attempt: 1,
          outcome: 'ok',
          detail: null,
        }),
      ]);
      expect(await resolveLink(t.db, url.split('/').pop()!, 'grade')).toBe(id);
      expect(await t.db.journeyEvent.count({ where: { label: 'via prisma' } })).toBe(1);
      const { mailer: m } = mailer();
      expect((await sendOnce({ db: other, mailer: m }, mail('fallback:invite:1'))).sent).toBe(true);
      expect((await sendOnce({ db: other, mailer: m }, mail('fallback:invite:1'))).sent).toBe(false);
      const snapshot = {
        journeyId: id,
        tenantId,
        kind: 'assessment' as const,
        status: 'sent' as const,
        stateVersion: 7,
        deadlineAt: '2031-02-03T04:05:06.789Z',
        scorePercent: 12.5,
      };
      expect(await journeys.recordSnapshot(snapshot)).toEqual({ applied: true });
      expect(await journeys.recordSnapshot(snapshot)).toEqual({ applied: false });
      await journeys.recordApplication(id, 'app-5', 'cand-5');
      const reached = await journeys.reach(id);
      expect(reached).toEqual(await createJourneyRepository(t.db).reach(id));
      expect(reached.journey).toMatchObject({
        stateVersion: 7,
        score: 12.5,
        greenhouseApplicationId: 'app-5',
        deadlineAt: new Date('2031-02-03T04:05:06.789Z'),
      });
    } finally {
      await other.$disconnect();
    }
  });
});

const mail = (key: string) => ({
  journeyId: key.split(':').slice(0, -2).join(':'),
  purpose: 'invite',
  idempotencyKey: key,
  compose: async () => ({
    to: [{ address: 'someone@example.com' }],
    from: { address: 'noreply@example.com' },
    subject: key,
    text: 'hello',
    html: '<p>hello</p>',
    idempotencyKey: key,
  }),
});
