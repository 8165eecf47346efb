import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';
import { createJourneyRepository, type JourneyRepository } from '../../db/repositories/journeys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createDatabase, sqlPoolOf } from '../../db/client.js';
import { countStatements } from './count-statements.js';

// The read model has one writer module: the workflow's state only moves forward, and every other
// writer sets its own columns without touching the workflow's.
describe('journeys repository', () => {
  let t: TestDatabase;
  let journeys: JourneyRepository;
  let n = 0;
  let id: string;
  const tenantId = 'tenant-repo';

  beforeAll(async () => {
    t = await createTestDatabase();
    journeys = createJourneyRepository(t.db);
    await t.db.tenant.create({ data: { id: tenantId, slug: 'repo', name: 'Repo' } });
  });
  afterAll(async () => t?.drop());

  const create = (journeyId: string, over: { callbackUrl?: string | null; sentBy?: string | null } = {}) =>
    journeys.create(
      {
        id: journeyId,
        tenantId,
        kind: 'assessment',
        testId: 'test-1',
        testVersion: 1,
        trigger: 'webhook',
        greenhouseApplicationId: null,
        greenhouseCandidateId: 'cand-1',
        jobId: 'job-1',
        callbackUrl: over.callbackUrl ?? null,
        sentBy: over.sentBy ?? null,
      },
      { firstName: 'Ada', lastName: 'L', preferredName: null, email: 'ada@example.com', phone: null },
    );

  const snapshot = (stateVersion: number, status: 'sent' | 'in_progress' | 'complete', extra = {}) =>
    journeys.recordSnapshot({
      journeyId: id,
      tenantId,
      kind: 'assessment',
      status,
      statusDetail: `${status} at v${stateVersion}`,
      stateVersion,
      testId: 'test-1',
      deadlineAt: `2030-01-0${stateVersion}T00:00:00.000Z`,
      completedAt: status === 'complete' ? '2029-12-31T00:00:00.000Z' : null,
      greenhouseApplicationId: 'app-1',
      scorePercent: status === 'complete' ? 80 : null,
      ...extra,
    });

  /** The columns only the workflow's snapshot may set. */
  const workflowState = async () => {
    const row = await t.db.journey.findUniqueOrThrow({ where: { id } });
    return {
      status: row.status,
      stateVersion: row.stateVersion,
      testId: row.testId,
      deadlineAt: row.deadlineAt?.toISOString(),
      completedAt: row.completedAt?.toISOString() ?? null,
      greenhouseApplicationId: row.greenhouseApplicationId,
    };
  };

  beforeEach(async () => {
    id = `assessment:${tenantId}:j${++n}`;
    await create(id);
  });

  it('starts a journey at version 0 with its candidate, and refuses a second start of the same id', async () => {
    const row = await t.db.journey.findUniqueOrThrow({ where: { id } });
    // The start's row is the journey's first snapshot (start path 2: the workflow records none).
    expect(row).toMatchObject({
      status: 'created',
      statusDetail: 'preparing the invitation',
      stateVersion: 0,
    });
    expect(await t.db.journeyCandidate.findUnique({ where: { journeyId: id } })).toMatchObject({
      email: 'ada@example.com',
    });
    await snapshot(1, 'sent');
    await expect(create(id)).rejects.toThrow();
    expect(await workflowState()).toMatchObject({ status: 'sent', stateVersion: 1 });
  });

  it('records a batch of journeys once: the ids it recorded, never a second candidate', async () => {
    const batch = (ids: string[], email: string) =>
      journeys.createMany(
        ids.map((journeyId) => ({
          journey: {
            id: journeyId,
            tenantId,
            kind: 'assessment' as const,
            testId: 'test-1',
            testVersion: 1,
            trigger: 'vendor' as const,
            greenhouseApplicationId: null,
            greenhouseCandidateId: null,
            jobId: 'job-1',
            callbackUrl: null,
            sentBy: null,
          },
          candidate: { firstName: 'B', lastName: 'L', preferredName: null, email, phone: null },
        })),
      );
    const fresh = [`${id}:b1`, `${id}:b2`];
    expect((await batch(fresh, 'b@example.com')).sort()).toEqual(fresh);
    // Again, with one already recorded (this test's own journey): only the new one is recorded.
    expect(await batch([id, `${id}:b3`, ...fresh], 'other@example.com')).toEqual([`${id}:b3`]);
    expect(await t.db.journeyCandidate.findUnique({ where: { journeyId: id } })).toMatchObject({
      email: 'ada@example.com',
    });
    expect(await t.db.journeyCandidate.findUnique({ where: { journeyId: fresh[0]! } })).toMatchObject({
      email: 'b@example.com',
    });
    expect(await batch([], 'x@example.com')).toEqual([]);
  });

  it('applies a snapshot only when it is newer: a stale or repeated one is refused', async () => {
    expect(await snapshot(2, 'in_progress')).toEqual({ applied: true });
    const after2 = await workflowState();
    expect(after2).toMatchObject({ status: 'in_progress', stateVersion: 2 });

    // Out of order: the activity for version 1 arrives after version 2.
    expect(await snapshot(1, 'sent')).toEqual({ applied: false });
    // A retry of version 2 carrying different words changes nothing either.
    expect(await snapshot(2, 'sent')).toEqual({ applied: false });
    expect(await workflowState()).toEqual(after2);

    expect(await snapshot(3, 'complete')).toEqual({ applied: true });
    expect(await workflowState()).toMatchObject({ status: 'complete', stateVersion: 3 });
  });

  it("lets no other writer change the workflow's columns", async () => {
    await snapshot(5, 'complete');
    const state = await workflowState();
    const writers: [string, () => Promise<unknown>][] = [
      ['attachSendTest', () => journeys.attachSendTest(id, 'https://gh.example/cb', 'rec@example.com')],
      ['recordApplication', () => journeys.recordApplication(id, 'app-1', 'cand-2')],
      ['moveCandidate', () => journeys.moveCandidate({ tenantId, from: 'cand-2', to: 'cand-3' })],
      ['recordResult', () => journeys.recordResult(id, { profileUrl: 'https://r.example/1', score: 75 })],
      ['markWritebackWaiting', () => journeys.markWritebackWaiting(id, 'note', 'refused')],
      ['markWritebackWaiting (clear)', () => journeys.markWritebackWaiting(id, null, null)],
      ['markGreenhouseWaiting', () => journeys.markGreenhouseWaiting(id, 'credential refused')],
      ['markGreenhouseWaiting (clear)', () => journeys.markGreenhouseWaiting(id, null)],
      ['noteLateAnswers', () => journeys.noteLateAnswers(id, 2)],
    ];
    for (const [name, write] of writers) {
      await write();
      expect({ name, ...(await workflowState()) }).toEqual({ name, ...state });
    }
    // Each did write what it owns.
    const row = await t.db.journey.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      callbackUrl: 'https://gh.example/cb',
      sentBy: 'rec@example.com',
      greenhouseCandidateId: 'cand-3',
      profileUrl: 'https://r.example/1',
      score: 75,
      writebackFailedStep: null,
      greenhouseWaitSince: null,
      statusDetail: '2 late answers received after completion: kept, not in the report',
    });
  });

  it('never replaces a completion URL Greenhouse already gave', async () => {
    await journeys.attachSendTest(id, 'https://gh.example/first', 'a@example.com');
    await journeys.attachSendTest(id, 'https://gh.example/second', 'b@example.com');
    expect(await t.db.journey.findUniqueOrThrow({ where: { id } })).toMatchObject({
      callbackUrl: 'https://gh.example/first',
      sentBy: 'a@example.com',
    });
  });

  it('keeps the first time a journey started waiting for Greenhouse, and a mark is replaced by the next snapshot', async () => {
    await snapshot(1, 'sent');
    expect(await journeys.markGreenhouseWaiting(id, 'credential refused')).toEqual({ tenantId });
    const first = (await t.db.journey.findUniqueOrThrow({ where: { id } })).greenhouseWaitSince;
    expect(first).toBeInstanceOf(Date);
    await journeys.markGreenhouseWaiting(id, 'consent lapsed');
    expect((await t.db.journey.findUniqueOrThrow({ where: { id } })).greenhouseWaitSince).toEqual(first);

    await snapshot(2, 'in_progress');
    expect((await t.db.journey.findUniqueOrThrow({ where: { id } })).statusDetail).toBe('in_progress at v2');
    await expect(journeys.markGreenhouseWaiting('no-such-journey', null)).rejects.toThrow(
      /not in the read model/,
    );
  });

  it('reach answers the journey, its tenant and its candidate as the Prisma reads do, in one statement per turn', async () => {
    // Columns of every kind Prisma maps: JSON, a text array, enums, floats, timestamps, nulls.
    await t.db.tenant.update({
      where: { id: tenantId },
      data: {
        branding: { companyName: 'Repo Ltd', colours: { primary: '#123456' } },
        callbackHosts: ['a.test'],
      },
    });
    await journeys.recordResult(id, { profileUrl: 'gr1.sealed', score: 62.5 });
    await snapshot(2, 'in_progress');
    const bare = `${id}:no-candidate`;
    await t.db.journey.create({ data: { id: bare, tenantId, kind: 'assessment', status: 'created' } });
    const viaPrisma = async (journeyId: string) => ({
      journey: await journeys.getWithTenant(journeyId),
      candidate: await t.db.journeyCandidate.findUnique({ where: { journeyId } }),
    });

    const statements = countStatements(t.db);
    const [reached, again, noCandidate] = await Promise.all([
      journeys.reach(id),
      journeys.reach(id),
      journeys.reach(bare),
    ]);
    expect(statements.stop()).toBe(1);
    expect(reached).toEqual(await viaPrisma(id));
    expect(again).toEqual(reached);
    expect(noCandidate).toEqual(await viaPrisma(bare));
    expect(noCandidate.candidate).toBeNull();
    expect(reached.journey.tenant.branding).toEqual({
      companyName: 'Repo Ltd',
      colours: { primary: '#123456' },
    });
    expect(reached.journey.deadlineAt).toEqual(new Date('2030-01-02T00:00:00.000Z'));
    expect(reached.candidate?.email).toBe('ada@example.com');

    await expect(journeys.reach('assessment:nowhere')).rejects.toThrow(
      'journey assessment:nowhere is not in the read model',
    );
  });

  it('erasure cancels a running journey for good: no later snapshot brings it back', async () => {
    await snapshot(1, 'in_progress');
    await journeys.markErased(id);
    const erased = await t.db.journey.findUniqueOrThrow({ where: { id } });
    expect(erased).toMatchObject({ status: 'cancelled', sentBy: null, stateVersion: 1 });
    expect(erased.erasedAt).toBeInstanceOf(Date);
    // An activity in flight when the workflow was terminated.
    expect(await snapshot(2, 'complete')).toEqual({ applied: false });
    expect(await t.db.journey.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'cancelled' });
  });

  it('erasure keeps the end of a journey that had ended', async () => {
    await snapshot(4, 'complete');
    const before = await workflowState();
    await journeys.markErased(id);
    expect(await workflowState()).toEqual(before);
    expect((await t.db.journey.findUniqueOrThrow({ where: { id } })).statusDetail).toBe('complete at v4');
  });
});

// test_status's read (statusInTenant): SQL on the database's own pool, the reads of one turn of the
// event loop in one statement. It must answer exactly what the Prisma read it replaced answers.
describe('journeys repository: test_status read', () => {
  let t: TestDatabase;
  const tenants = ['tenant-ts-a', 'tenant-ts-b'];
  const ids = [
    'assessment:tenant-ts-a:app-1:test-1',
    'assessment:tenant-ts-a:app-2:test-1',
    'reference_check:tenant-ts-a:app-3:ref-1',
    'assessment:tenant-ts-b:app-4:test-1',
  ];
  const ownerOf = (journeyId: string) => journeyId.split(':')[1]!;

  beforeAll(async () => {
    t = await createTestDatabase();
    for (const id of tenants) await t.db.tenant.create({ data: { id, slug: id, name: id } });
    const journeys = createJourneyRepository(t.db);
    for (const [i, id] of ids.entries()) {
      await journeys.create(
        {
          id,
          tenantId: ownerOf(id),
          kind: id.startsWith('reference_check') ? 'reference_check' : 'assessment',
          testId: 'test-1',
          testVersion: 1,
          trigger: 'greenhouse',
          greenhouseApplicationId: String(i),
          greenhouseCandidateId: null,
          jobId: null,
          callbackUrl: null,
          sentBy: null,
        },
        { firstName: 'Ada', lastName: 'L', preferredName: null, email: 'ada@example.com', phone: null },
      );
    }
    await journeys.recordResult(ids[0]!, { profileUrl: 'gr1.k.iv.tag.body', score: 87.5 });
    await journeys.recordSnapshot({
      journeyId: ids[0]!,
      tenantId: tenants[0]!,
      kind: 'assessment',
      status: 'complete',
      statusDetail: null,
      stateVersion: 3,
      testId: 'test-1',
      deadlineAt: null,
      completedAt: '2029-12-31T00:00:00.000Z',
      greenhouseApplicationId: '0',
      scorePercent: 87.5,
    });
  });
  afterAll(async () => t?.drop());

  /** What the Prisma read answered (the tenant compared after a primary-key read). */
  const viaPrisma = async (id: string, tenantId: string) => {
    const row = await t.db.journey.findUnique({
      where: { id },
      select: { tenantId: true, kind: true, status: true, statusDetail: true, score: true, profileUrl: true },
    });
    if (!row || row.tenantId !== tenantId) return null;
    const { tenantId: _owner, ...status } = row;
    return status;
  };

  it('answers what Prisma answers, for reads of one turn gathered in one statement', async () => {
    const journeys = createJourneyRepository(t.db);
    expect(sqlPoolOf(t.db)).toBeDefined();
    // Every journey asked by its tenant and by the other one, an unknown id, and one id twice.
    const asks = [
      ...ids.flatMap((id) => tenants.map((tenantId) => [id, tenantId] as const)),
      ['assessment:tenant-ts-a:app-404:test-1', tenants[0]!] as const,
      [ids[1]!, tenants[0]!] as const,
    ];
    const statements = countStatements(t.db);
    const answers = await Promise.all(asks.map(([id, tenantId]) => journeys.statusInTenant(id, tenantId)));
    expect(statements.stop()).toBe(1);
    for (const [i, [id, tenantId]] of asks.entries()) {
      expect(answers[i], `${id} asked by ${tenantId}`).toEqual(await viaPrisma(id, tenantId));
    }
    // Another tenant's journey reads as none, exactly like a missing one.
    expect(answers[1]).toBeNull();
    expect(answers[0]).toEqual({
      kind: 'assessment',
      status: 'complete',
      statusDetail: null,
      score: 87.5,
      profileUrl: 'gr1.k.iv.tag.body',
    });
  });

  it('reads a change made after the previous read (nothing is cached)', async () => {
    const journeys = createJourneyRepository(t.db);
    const id = ids[2]!;
    expect((await journeys.statusInTenant(id, tenants[0]!))?.status).toBe('created');
    await journeys.recordSnapshot({
      journeyId: id,
      tenantId: tenants[0]!,
      kind: 'reference_check',
      status: 'in_progress',
      statusDetail: 'waiting for referees',
      stateVersion: 1,
      testId: 'test-1',
      deadlineAt: null,
      completedAt: null,
      greenhouseApplicationId: '2',
      scorePercent: null,
    });
    expect(await journeys.statusInTenant(id, tenants[0]!)).toMatchObject({
      kind: 'reference_check',
      status: 'in_progress',
      statusDetail: 'waiting for referees',
    });
  });

  it('falls back to Prisma once $disconnect closed the pool', async () => {
    const other = createDatabase({ url: t.url, poolSize: 2 });
    const journeys = createJourneyRepository(other);
    expect(await journeys.statusInTenant(ids[0]!, tenants[0]!)).toEqual(
      await viaPrisma(ids[0]!, tenants[0]!),
    );
    await other.$disconnect();
    expect(sqlPoolOf(other)).toBeUndefined();
    expect(await journeys.statusInTenant(ids[0]!, tenants[0]!)).toEqual(
      await viaPrisma(ids[0]!, tenants[0]!),
    );
    expect(await journeys.statusInTenant(ids[3]!, tenants[0]!)).toBeNull();
    await other.$disconnect();
  });
});

// Product code reaches the journeys table only through the repository (tests and the fault and
// bench drivers, which observe a stack from outside, may still use Prisma).
describe('journeys table access', () => {
  const outside = new Set(['node_modules', 'test', 'faults', 'bench', 'dist', '.git', '.data']);
  const access = /\bdb\.journey\b|\.journey\.(find|update|create|upsert|delete|count|group)/;

  async function productFiles(dir: string): Promise<string[]> {
    const files: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(repoRoot, full);
      if (entry.isDirectory()) {
        if (!outside.has(rel) && rel !== path.join('db', 'generated'))
          files.push(...(await productFiles(full)));
      } else if (entry.name.endsWith('.ts')) files.push(rel);
    }
    return files;
  }

  it('is only in db/repositories/journeys.ts', async () => {
    const users: string[] = [];
    for (const file of await productFiles(repoRoot)) {
      if (access.test(await readFile(path.join(repoRoot, file), 'utf8'))) users.push(file);
    }
    expect(users).toEqual([path.join('db', 'repositories', 'journeys.ts')]);
  });
});
