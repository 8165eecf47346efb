import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { adminQuery } from '../../harness/postgres-admin.js';
import { createDatabase, type Database } from '../../db/client.js';
import { applyMigrations } from '../../db/migrations.js';

export interface TestDatabase {
  name: string;
  url: string;
  db: Database;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

/** A freshly created, migrated database on the local PostgreSQL, private to the caller. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `greenroom_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (options.migrate ?? true) await applyMigrations(url.toString());
  const db = createDatabase({ url: url.toString(), poolSize: 5 });
  return {
    name,
    url: url.toString(),
    db,
    async drop() {
      await db.$disconnect();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
