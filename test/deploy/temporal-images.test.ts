import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCompose, readRepoFile } from './compose-reading.js';

const run = promisify(execFile);

/**
 * The Temporal images are built from the server's Go module at the tag compose pins: the server
 * image renders docker/config_template.yaml from its environment, and the admin-tools image carries
 * temporal-sql-tool (tools/sql) and the module's schema/ folder as /etc/temporal/schema. This reads
 * that source (Go's module cache; the Go module proxy fetches it once) so compose sets variables
 * the image really reads and points at schema folders that exist.
 */
describe('compose against the Temporal server source of the pinned version', () => {
  let moduleDir: string;
  const version = () => readCompose().services.temporal!.image!.split(':')[1]!;

  beforeAll(async () => {
    const { stdout } = await run('go', ['mod', 'download', '-json', `go.temporal.io/server@v${version()}`], {
      timeout: 300_000,
    });
    moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  }, 310_000);

  it('pins the same version for the server and admin-tools', () => {
    const { services } = readCompose();
    for (const job of ['temporal-schema', 'temporal-namespace'])
      expect(services[job]!.image).toBe(`temporalio/admin-tools:${version()}`);
  });

  it("sets only variables the server image's config template reads", async () => {
    const template = await readFile(path.join(moduleDir, 'docker/config_template.yaml'), 'utf8');
    const read = new Set([...template.matchAll(/\.Env\.(\w+)/g)].map((m) => m[1]!));
    const set = Object.keys(readCompose().services.temporal!.environment!);
    expect(set.length).toBeGreaterThan(5);
    expect(set.filter((name) => !read.has(name))).toEqual([]);
    // DB picks the persistence plugin the template knows.
    expect(template).toMatch(/eq \$db "postgres12"/);
  });

  it('gives temporal-sql-tool the variables it reads, and the schema folders the image carries', async () => {
    const tool = await readFile(path.join(moduleDir, 'tools/sql/main.go'), 'utf8');
    const read = new Set([...tool.matchAll(/EnvVar:\s*"(\w+)"/g)].map((m) => m[1]!));
    const set = Object.keys(readCompose().services['temporal-schema']!.environment!);
    expect(set.filter((name) => !read.has(name))).toEqual([]);
    const script = readRepoFile('deploy/temporal/temporal-schema.sh');
    const root = /SCHEMA_ROOT:-\/etc\/temporal\/(schema\/postgresql\/v12)/.exec(script)![1]!;
    for (const part of ['temporal', 'visibility']) {
      await access(path.join(moduleDir, root, part, 'versioned', 'v1.0', 'manifest.json'));
    }
  });
});
