import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../harness/processes.js';

/** Greenhouse's own example payloads and recorded exchanges (provenance in their README). */
export const greenhouseFixturesDir = path.join(repoRoot, 'test', 'fixtures', 'greenhouse');

export function greenhouseFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(greenhouseFixturesDir, relativePath), 'utf8')) as T;
}
