import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCompose } from '../../harness/compose-env.js';
import { repoRoot } from '../../harness/processes.js';
import { provideTemporalServer, TEMPORAL_SERVER_VERSION } from '../../temporal/server-binary.js';

describe('the Temporal server the deploy test builds', () => {
  it('is the version docker-compose.yml runs', { timeout: 900_000 }, async () => {
    const { services } = await readCompose(path.join(repoRoot, 'docker-compose.yml'));
    const tags = Object.values(services)
      .map((s) => /^temporalio\/(?:server|auto-setup):(.+)$/.exec(s.image ?? '')?.[1])
      .filter(Boolean);
    expect(tags.length, 'compose runs a temporalio/server (or auto-setup) image').toBeGreaterThan(0);
    for (const tag of tags) expect(`v${tag}`).toBe(TEMPORAL_SERVER_VERSION);

    // Built on first use (CI's `npm run temporal:server:provide` does it before the tests).
    const built = await provideTemporalServer();
    const version = spawnSync(built.server, ['--version'], { encoding: 'utf8' });
    expect(version.stdout).toContain(`version ${TEMPORAL_SERVER_VERSION.slice(1)}`);
  });
});
