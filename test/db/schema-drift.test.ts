import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { actualShape, expectedShape } from '../helpers/schema-drift.js';

const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

// Fails when schema.prisma and prisma/migrations disagree: add a migration with every schema change.
describe('schema and migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('build the same tables, columns, enums, indexes and foreign keys', async () => {
    const [expected, actual] = await Promise.all([expectedShape(schemaPath), actualShape(database.url)]);
    expect(Object.keys(expected.tables).length).toBeGreaterThan(0);
    expect(actual).toEqual(expected);
  });

  it('catches a column the migrations lack', async () => {
    // The comparison itself must be able to fail: drop a column and expect a difference.
    await database.db.$executeRawUnsafe('ALTER TABLE journeys DROP COLUMN profile_url');
    const [expected, actual] = await Promise.all([expectedShape(schemaPath), actualShape(database.url)]);
    expect(actual.tables.journeys).not.toEqual(expected.tables.journeys);
    expect(expected.tables.journeys?.profile_url).toBe('text null');
    expect(actual.tables.journeys?.profile_url).toBeUndefined();
  });
});
