// Applies prisma/migrations to DATABASE_URL (what `prisma migrate deploy` does, without its engine).
import { loadConfigOrExit } from '../config/config.js';
import { applyMigrations } from '../db/migrations.js';

const config = loadConfigOrExit();
if (!config.DATABASE_URL) {
  process.stderr.write('greenroom: DATABASE_URL is required to migrate\n');
  process.exit(2);
}
const applied = await applyMigrations(config.DATABASE_URL);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
