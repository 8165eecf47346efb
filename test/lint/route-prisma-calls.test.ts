import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/processes.js';
import { productFiles } from './kind-branches.js';
import { allowedFiles, modelDelegatesOf, prismaCallsIn, routePrismaCalls } from './route-prisma-calls.js';

// Issue 15: Prisma is imported by repositories, not by route handlers.
describe('Prisma calls in route files', () => {
  it('finds none in api/ outside the rate limiter store', async () => {
    expect(await routePrismaCalls(repoRoot)).toEqual([]);
  });

  it('scans the route files and knows the schema models', async () => {
    const files = await productFiles(repoRoot, 'api');
    expect(files).toContain('api/pages/nominate.ts');
    expect(files).toContain('api/operator/bulk-invites.ts');
    for (const file of allowedFiles) expect(files).toContain(file);
    const delegates = modelDelegatesOf(await readFile(path.join(repoRoot, 'prisma/schema.prisma'), 'utf8'));
    for (const model of ['journey', 'journeyEvent', 'referee', 'bulkInvite', 'report']) {
      expect(delegates).toContain(model);
    }
  });

  it('still sees the store it allows (so the scan reaches real Prisma calls)', async () => {
    const delegates = modelDelegatesOf(await readFile(path.join(repoRoot, 'prisma/schema.prisma'), 'utf8'));
    const source = await readFile(path.join(repoRoot, allowedFiles[0]!), 'utf8');
    expect(prismaCallsIn(allowedFiles[0]!, source, delegates).length).toBeGreaterThan(0);
  });

  const delegates = modelDelegatesOf('model Referee {\n}\nmodel BulkInvite {\n}\nmodel JourneyEvent {\n}\n');

  // The handler queries this guard replaced, as they stood in api/ before the repositories.
  it.each([
    ['deps.db.referee.findMany({ where: { journeyId }, orderBy: { position: "asc" } });'],
    ['const created = await deps.db.bulkInvite\n  .create({ data: {} })\n  .catch(() => null);'],
    ['db.journeyEvent.findMany({ where: { journeyId: journey.id } });'],
    ['await db.$transaction([a, b]);'],
    ['await deps.db.$queryRaw`select 1`;'],
    ['await db.$executeRawUnsafe("delete from x");'],
  ])('flags %s', (code) => {
    expect(prismaCallsIn('api/example.ts', code, delegates)).toHaveLength(1);
  });

  it.each([
    ["createHash('sha256').update(value).digest();"],
    ['await temporal.schedule.create(options);'],
    ['await keys.create({ name });'],
    ['entries.delete(hash);'],
    ['await findReferee(deps.db, id);'],
  ])('lets %s through (no Prisma query)', (code) => {
    expect(prismaCallsIn('api/example.ts', code, delegates)).toEqual([]);
  });

  it('names the file and line of a query', () => {
    const code = 'const a = 1;\n\nawait deps.db.referee.findUnique({ where: { id } });\n';
    expect(prismaCallsIn('api/x.ts', code, delegates)).toEqual([
      { file: 'api/x.ts', line: 3, text: 'deps.db.referee.findUnique({ where: { id } })' },
    ]);
  });
});
