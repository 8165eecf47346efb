import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlFundamentals } from '../../catalogue/demo-tests.js';
import { createCatalogueService } from '../../catalogue/service.js';
import { errorHandler } from '../../api/http-errors.js';
import { requireOperator } from '../../api/operator/auth.js';
import { testRoutes } from '../../api/operator/tests.js';
import { TEST_OPERATOR_KEY } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { listen } from '../helpers/http.js';
import { fixtureCopy } from '../domain/assessment-fixture.js';

interface Reply {
  status: number;
  body: (Record<string, unknown> & { error?: { code: string; message: string; field?: string } }) | null;
}

// The catalogue's operator routes over real HTTP, on a fresh PostgreSQL database.
describe('operator test catalogue API', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  const tenantId = 'ten_routes';

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: tenantId, slug: 'routes', name: 'Routes Co' } });
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.use(
      '/operator',
      requireOperator({ db: database.db, operatorKey: TEST_OPERATOR_KEY }),
      testRoutes({ db: database.db, catalogue: createCatalogueService({ db: database.db }) }),
    );
    app.use(errorHandler(pino({ level: 'silent' })));
    server = await listen(app);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_OPERATOR_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Reply['body']) : null };
  };
  const tests = `/operator/tenants/${tenantId}/tests`;
  const rows = async () => ({
    tests: await database.db.assessmentTest.count(),
    versions: await database.db.assessmentTestVersion.count(),
  });

  it('creates, re-puts, changes, reads, lists and deactivates a test', async () => {
    const created = await call('PUT', `${tests}/sql-fundamentals`, sqlFundamentals);
    expect(created).toMatchObject({
      status: 201,
      body: { testId: 'sql-fundamentals', version: 1, created: true },
    });
    const same = await call('PUT', `${tests}/sql-fundamentals`, sqlFundamentals);
    expect(same).toMatchObject({ status: 200, body: { version: 1, created: false } });

    // The body's testId may be left out: the path names the test.
    const { testId: _omit, ...withoutId } = { ...sqlFundamentals, passMarkPercent: 70 };
    const changed = await call('PUT', `${tests}/sql-fundamentals`, withoutId);
    expect(changed).toMatchObject({ status: 200, body: { version: 2, created: true } });

    const current = await call('GET', `${tests}/sql-fundamentals`);
    expect(current).toMatchObject({
      status: 200,
      body: { testId: 'sql-fundamentals', version: 2, currentVersion: 2, active: true },
    });
    expect((current.body!.definition as { passMarkPercent: number }).passMarkPercent).toBe(70);
    const first = await call('GET', `${tests}/sql-fundamentals?version=1`);
    expect(first).toMatchObject({ status: 200, body: { version: 1, currentVersion: 2 } });
    expect((first.body!.definition as { passMarkPercent: number }).passMarkPercent).toBe(60);

    const list = await call('GET', tests);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      expect.objectContaining({
        testId: 'sql-fundamentals',
        name: 'SQL fundamentals',
        currentVersion: 2,
        active: true,
      }),
    ]);

    const off = await call('POST', `${tests}/sql-fundamentals/deactivate`);
    expect(off).toMatchObject({ status: 200, body: { testId: 'sql-fundamentals', active: false } });
    expect((await call('GET', `${tests}?active=true`)).body).toEqual([]);
    expect((await call('GET', tests)).body).toHaveLength(1);
    const on = await call('POST', `${tests}/sql-fundamentals/activate`);
    expect(on).toMatchObject({ status: 200, body: { active: true } });
  });

  it('answers 404 for an unknown tenant, test or version', async () => {
    expect(await call('GET', '/operator/tenants/ten_ghost/tests')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'no tenant ten_ghost' } },
    });
    expect(await call('PUT', '/operator/tenants/ten_ghost/tests/fixture-test', fixtureCopy())).toMatchObject({
      status: 404,
    });
    expect(await call('GET', `${tests}/nope`)).toMatchObject({
      status: 404,
      body: { error: { field: 'testId' } },
    });
    expect(await call('GET', `${tests}/sql-fundamentals?version=9`)).toMatchObject({
      status: 404,
      body: { error: { field: 'version' } },
    });
    expect(await call('POST', `${tests}/nope/deactivate`)).toMatchObject({ status: 404 });
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = await rows();
    const wrong = (change: (d: ReturnType<typeof fixtureCopy>) => void) => {
      const d = fixtureCopy();
      change(d);
      return d;
    };
    const cases: [string, string, unknown, string | undefined][] = [
      ['malformed JSON', 'fixture-test', '{"testId": "fixture-test", ', undefined],
      ['a JSON array', 'fixture-test', [fixtureCopy()], 'body'],
      [
        'a string for points',
        'fixture-test',
        wrong((d) => Object.assign(d.sections[0]!.questions[0]!, { points: '2' })),
        'sections.0.questions.0.points',
      ],
      [
        'an unknown question kind',
        'fixture-test',
        wrong((d) => Object.assign(d.sections[1]!.questions[1]!, { kind: 'essay' })),
        'sections.1.questions.1.kind',
      ],
      [
        'a single choice with two correct options',
        'fixture-test',
        wrong((d) =>
          Object.assign((d.sections[0]!.questions[0] as { options: object[] }).options[0]!, {
            correct: true,
          }),
        ),
        'sections.0.questions.0.options',
      ],
      ['a testId differing from the path', 'other-test', fixtureCopy(), 'testId'],
      ['a non-string testId', 'fixture-test', { ...fixtureCopy(), testId: 42 }, 'testId'],
      ['an invalid testId in the path', 'bad%20id', { ...fixtureCopy(), testId: undefined }, 'testId'],
      ['an empty body', 'fixture-test', {}, 'name'],
      [
        'a missing pass mark',
        'fixture-test',
        { ...fixtureCopy(), passMarkPercent: undefined },
        'passMarkPercent',
      ],
    ];
    for (const [name, id, body, field] of cases) {
      const res = await call('PUT', `${tests}/${id}`, body);
      expect(res.status, name).toBe(400);
      expect(res.body!.error!.field, name).toBe(field);
      if (field) expect(res.body!.error!.message.startsWith(`${field}: `), name).toBe(true);
    }
    const malformed = await call('PUT', `${tests}/fixture-test`, '{"testId": ');
    expect(malformed.body!.error!.code).toBe('invalid_json');
    const mismatch = await call('PUT', `${tests}/other-test`, fixtureCopy());
    expect(mismatch.body!.error!.message).toBe(
      'testId: the body names test "fixture-test" but the path names other-test',
    );

    expect(await call('GET', `${tests}/sql-fundamentals?version=zero`)).toMatchObject({
      status: 400,
      body: { error: { field: 'version' } },
    });
    expect(await call('GET', `${tests}?active=maybe`)).toMatchObject({
      status: 400,
      body: { error: { field: 'active' } },
    });
    expect(await rows()).toEqual(before);
  });
});
