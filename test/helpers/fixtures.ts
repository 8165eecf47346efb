import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../harness/processes.js';

/**
 * Greenhouse's own example payloads and recorded exchanges live in shared/, beside the clone
 * (CI clones the repo next to it too). GREENHOUSE_FIXTURES_DIR points elsewhere if needed.
 */
export const greenhouseFixturesDir =
  process.env.GREENHOUSE_FIXTURES_DIR ?? path.join(repoRoot, '..', 'shared', 'fixtures', 'greenhouse');

export function greenhouseFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(greenhouseFixturesDir, relativePath), 'utf8')) as T;
}
