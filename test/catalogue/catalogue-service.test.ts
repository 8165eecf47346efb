import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReferenceCheck, seedDemoTests, sqlFundamentals } from '../../catalogue/demo-tests.js';
import { contentHashOf, createCatalogueService, toPartnerTests } from '../../catalogue/service.js';
import { ServiceError } from '../../domain/errors.js';
import { TestDefinition } from '../../domain/assessments/definition.js';
import { autoGrade, finalizeGrade } from '../../domain/assessments/grading.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { fixtureCopy } from '../domain/assessment-fixture.js';

describe('catalogue service', () => {
  let database: TestDatabase;
  let catalogue: ReturnType<typeof createCatalogueService>;
  const tenantId = 'ten_catalogue';

  beforeAll(async () => {
    database = await createTestDatabase();
    catalogue = createCatalogueService({ db: database.db });
    await database.db.tenant.create({ data: { id: tenantId, slug: 'catalogue', name: 'Catalogue Co' } });
    await database.db.tenant.create({ data: { id: 'ten_other', slug: 'other', name: 'Other Co' } });
  });
  afterAll(async () => database?.drop());

  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(ServiceError);
      return err as ServiceError;
    }
    throw new Error('expected a ServiceError');
  };

  it('versions a test: same content keeps the version, a change makes n+1, old versions stay readable', async () => {
    const v1 = fixtureCopy();
    expect(await catalogue.putTest(tenantId, v1)).toMatchObject({
      testId: 'fixture-test',
      version: 1,
      created: true,
    });
    // Same content, other key order and defaults spelled out: still version 1.
    const reordered = { ...TestDefinition.parse(v1) };
    const shuffled = Object.fromEntries(Object.entries(reordered).reverse());
    expect(await catalogue.putTest(tenantId, shuffled)).toMatchObject({ version: 1, created: false });

    const v2 = fixtureCopy();
    v2.passMarkPercent = 70;
    v2.name = 'Fixture test, harder';
    expect(await catalogue.putTest(tenantId, v2)).toMatchObject({ version: 2, created: true });
    expect(await catalogue.putTest(tenantId, v2)).toMatchObject({ version: 2, created: false });

    const current = await catalogue.getTest(tenantId, 'fixture-test');
    expect(current).toMatchObject({
      version: 2,
      currentVersion: 2,
      active: true,
      name: 'Fixture test, harder',
    });
    expect(current.definition.passMarkPercent).toBe(70);
    expect(current.contentHash).toBe(contentHashOf(TestDefinition.parse(v2)));

    const old = await catalogue.getTest(tenantId, 'fixture-test', 1);
    expect(old).toMatchObject({ version: 1, currentVersion: 2, name: 'Fixture test' });
    expect(old.definition).toEqual(TestDefinition.parse(v1));
    // A pinned old version still grades as it did.
    const auto = autoGrade(old.definition, { q1: 'b', q2: ['a', 'b'], q3: 10, q4: ['x', 'y'] });
    expect(finalizeGrade(old.definition, auto).passed).toBe(false); // 10 of 20 < 60 %

    // Going back to the first content is a change too: version 3.
    expect(await catalogue.putTest(tenantId, v1)).toMatchObject({ version: 3, created: true });
    expect(
      await database.db.assessmentTestVersion.count({ where: { tenantId, testId: 'fixture-test' } }),
    ).toBe(3);
  });

  it('refuses an invalid definition naming the field and writes nothing', async () => {
    const before = await database.db.assessmentTestVersion.count();
    const bad = fixtureCopy();
    bad.sections[0]!.questions[0]!.points = -1;
    const err = await rejection(catalogue.putTest(tenantId, { ...bad, testId: 'bad-test' }));
    expect(err).toMatchObject({ kind: 'invalid', field: 'sections.0.questions.0.points' });
    expect(err.message).toMatch(/^sections\.0\.questions\.0\.points: /);
    expect(await database.db.assessmentTestVersion.count()).toBe(before);
  });

  it('needs the tenant to exist', async () => {
    expect(await rejection(catalogue.putTest('ten_ghost', fixtureCopy()))).toMatchObject({
      kind: 'not_found',
      message: 'no tenant ten_ghost',
    });
    expect(await rejection(catalogue.listTests('ten_ghost'))).toMatchObject({ kind: 'not_found' });
    expect(await rejection(catalogue.getTest('ten_ghost', 'fixture-test'))).toMatchObject({
      kind: 'not_found',
    });
  });

  it('reports unknown tests and versions as not found', async () => {
    expect(await rejection(catalogue.getTest(tenantId, 'no-such-test'))).toMatchObject({
      kind: 'not_found',
      field: 'testId',
    });
    expect(await rejection(catalogue.getTest(tenantId, 'fixture-test', 99))).toMatchObject({
      kind: 'not_found',
      field: 'version',
    });
    // Tenants do not see each other's tests.
    expect(await rejection(catalogue.getTest('ten_other', 'fixture-test'))).toMatchObject({
      kind: 'not_found',
    });
    expect(await rejection(catalogue.deactivateTest(tenantId, 'no-such-test'))).toMatchObject({
      kind: 'not_found',
    });
  });

  it('seeds the demo test idempotently and lists tests for Greenhouse', async () => {
    const first = await seedDemoTests(catalogue, tenantId);
    expect(first).toEqual([
      expect.objectContaining({ testId: 'sql-fundamentals', version: 1, created: true }),
      expect.objectContaining({ testId: 'references-standard', version: 1, created: true }),
    ]);
    const again = await seedDemoTests(catalogue, tenantId);
    expect(again).toEqual([
      expect.objectContaining({ testId: 'sql-fundamentals', version: 1, created: false }),
      expect.objectContaining({ testId: 'references-standard', version: 1, created: false }),
    ]);

    const demo = await catalogue.getTest(tenantId, 'sql-fundamentals');
    expect(demo.definition).toMatchObject({
      passMarkPercent: 60,
      timeLimitMinutes: 45,
      deadlineDays: 7,
      reminders: { afterInviteHours: [48], beforeDeadlineHours: [24] },
      graderReminderHours: [24],
    });
    const kinds = new Set(demo.definition.sections.flatMap((s) => s.questions.map((q) => q.kind)));
    expect([...kinds].sort()).toEqual(['free_text', 'multiple_choice', 'numeric', 'single_choice']);
    expect(demo.definition.sections).toHaveLength(2);
    expect(demo.name).toBe(sqlFundamentals.name);

    const list = await catalogue.listTests(tenantId);
    expect(list.map((t) => t.testId)).toEqual(['fixture-test', 'references-standard', 'sql-fundamentals']);
    expect(await catalogue.listPartnerTests(tenantId)).toEqual([
      { partner_test_id: 'fixture-test', partner_test_name: 'Fixture test' },
      { partner_test_id: 'references-standard', partner_test_name: 'Professional references' },
      { partner_test_id: 'sql-fundamentals', partner_test_name: 'SQL fundamentals' },
    ]);
    expect(toPartnerTests([{ testId: 'a', name: 'A' }])).toEqual([
      { partner_test_id: 'a', partner_test_name: 'A' },
    ]);
    expect(await catalogue.listTests('ten_other')).toEqual([]);
  });

  it('deactivates and reactivates a test; a put leaves the flag alone', async () => {
    expect(await catalogue.deactivateTest(tenantId, 'fixture-test')).toMatchObject({ active: false });
    expect((await catalogue.listTests(tenantId, { activeOnly: true })).map((t) => t.testId)).toEqual([
      'references-standard',
      'sql-fundamentals',
    ]);
    expect((await catalogue.listTests(tenantId)).map((t) => t.testId)).toEqual([
      'fixture-test',
      'references-standard',
      'sql-fundamentals',
    ]);
    // Deactivated tests stay readable for running journeys.
    expect(await catalogue.getTest(tenantId, 'fixture-test', 1)).toMatchObject({ active: false });
    const changed = fixtureCopy();
    changed.deadlineDays = 14;
    expect(await catalogue.putTest(tenantId, changed)).toMatchObject({ version: 4, created: true });
    expect(await catalogue.getTest(tenantId, 'fixture-test')).toMatchObject({ active: false, version: 4 });
    expect(await catalogue.activateTest(tenantId, 'fixture-test')).toMatchObject({ active: true });
    expect(await catalogue.listPartnerTests(tenantId)).toHaveLength(3);
  });

  it('gives concurrent changes distinct versions and concurrent equal puts one', async () => {
    const variants = [1, 2, 3, 4, 5].map((n) => {
      const d = fixtureCopy();
      d.testId = 'race-test';
      d.passMarkPercent = 50 + n;
      return d;
    });
    const results = await Promise.all(variants.map((d) => catalogue.putTest(tenantId, d)));
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(results.every((r) => r.created)).toBe(true);

    const same = fixtureCopy();
    same.testId = 'same-test';
    const equal = await Promise.all([1, 2, 3].map(() => catalogue.putTest(tenantId, same)));
    expect(equal.map((r) => r.version)).toEqual([1, 1, 1]);
    expect(equal.filter((r) => r.created)).toHaveLength(1);
  });

  it('removes a tenant’s tests with the tenant', async () => {
    await database.db.tenant.create({ data: { id: 'ten_gone', slug: 'gone', name: 'Gone Co' } });
    await catalogue.putTest('ten_gone', fixtureCopy());
    await database.db.tenant.delete({ where: { id: 'ten_gone' } });
    expect(await database.db.assessmentTest.count({ where: { tenantId: 'ten_gone' } })).toBe(0);
    expect(await database.db.assessmentTestVersion.count({ where: { tenantId: 'ten_gone' } })).toBe(0);
  });

  describe('reference-check templates', () => {
    const tenant = 'ten_other';
    it('shares the catalogue and list_tests with tests, told apart by kind', async () => {
      await catalogue.putTest(tenant, fixtureCopy());
      expect(await catalogue.putTest(tenant, demoReferenceCheck)).toMatchObject({
        version: 1,
        created: true,
      });
      expect((await catalogue.listTests(tenant)).map((t) => [t.testId, t.kind])).toEqual([
        ['fixture-test', 'assessment'],
        ['references-standard', 'reference_check'],
      ]);
      expect(await catalogue.listPartnerTests(tenant)).toContainEqual({
        partner_test_id: 'references-standard',
        partner_test_name: 'Professional references',
      });
      const template = await catalogue.getReferenceTemplate(tenant, 'references-standard');
      expect(template).toMatchObject({ kind: 'reference_check', version: 1 });
      expect(template.definition.referees).toEqual({ min: 3, max: 5, quorum: 2 });
      expect((await catalogue.getEntry(tenant, 'fixture-test')).kind).toBe('assessment');
    });

    it('refuses to read one kind as the other, or to turn a test into a reference check', async () => {
      expect(await rejection(catalogue.getTest(tenant, 'references-standard'))).toMatchObject({
        kind: 'invalid',
        field: 'testId',
      });
      expect(await rejection(catalogue.getReferenceTemplate(tenant, 'fixture-test'))).toMatchObject({
        kind: 'invalid',
      });
      const turned = await rejection(
        catalogue.putTest(tenant, { ...demoReferenceCheck, testId: 'fixture-test' }),
      );
      expect(turned).toMatchObject({ kind: 'conflict', field: 'kind' });
      expect(turned.message).toBe(
        'fixture-test is an assessment test; use a new testId for a reference check',
      );
      expect((await catalogue.getEntry(tenant, 'fixture-test')).currentVersion).toBe(1);
    });

    it('validates templates with the field at fault', async () => {
      const err = await rejection(
        catalogue.putTest(tenant, {
          ...demoReferenceCheck,
          testId: 'bad-refs',
          referees: { min: 3, max: 2 },
        }),
      );
      expect(err).toMatchObject({ kind: 'invalid', field: 'referees.max' });
      expect(await database.db.assessmentTest.count({ where: { testId: 'bad-refs' } })).toBe(0);
    });
  });
});
