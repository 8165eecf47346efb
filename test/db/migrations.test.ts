import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from '../../db/migrations.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('migration runner', () => {
  let database: TestDatabase;
  let scratch: string;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    scratch = await mkdtemp(path.join(tmpdir(), 'greenroom-migrations-'));
  });
  afterAll(async () => {
    await database?.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('applies every migration once, in Prisma’s ledger, and is a no-op the second time', async () => {
    const all = await readMigrations();
    expect(all.length).toBeGreaterThan(0);
    expect(await applyMigrations(database.url)).toEqual(all.map((m) => m.name));
    expect(await applyMigrations(database.url)).toEqual([]);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    await client.end();
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(all.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at instanceof Date && r.applied_steps_count === 1)).toBe(true);
  });

  it('refuses a migration edited after it was applied', async () => {
    const dir = path.join(scratch, 'edited');
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const [first] = await readMigrations(dir);
    await appendFile(path.join(dir, first!.name, 'migration.sql'), '\n-- edited\n');
    await expect(applyMigrations(database.url, dir)).rejects.toThrow(/was edited after it was applied/);
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = path.join(scratch, 'broken');
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const bad = path.join(dir, '29991231000000_broken');
    await cp(path.join(MIGRATIONS_DIR, (await readMigrations())[0]!.name), bad, { recursive: true });
    await writeFile(
      path.join(bad, 'migration.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    await expect(applyMigrations(database.url, dir)).rejects.toThrow(/29991231000000_broken failed/);
    const exists = await database.db.$queryRaw<
      { t: string | null }[]
    >`SELECT to_regclass('half_done')::text AS t`;
    expect(exists[0]?.t).toBeNull();
    const ledger = await database.db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "_prisma_migrations" WHERE migration_name = '29991231000000_broken'`;
    expect(Number(ledger[0]?.n)).toBe(0);
  });
});
