import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../config/config.js';
import { readCompose, serviceEnvironment } from '../../harness/compose-env.js';
import { repoRoot } from '../../harness/processes.js';

// Docker cannot run on these machines: these checks keep docker-compose.yml and the Dockerfile
// honest by reading them against the code they start.
const compose = () => readCompose(path.join(repoRoot, 'docker-compose.yml'));

/** Plausible values for what compose requires from the operator's environment. */
const supplied = {
  OPERATOR_API_KEY: 'x'.repeat(32),
  SECRETS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 8).toString('base64')}`,
  GREENROOM_DB_PASSWORD: 'secret',
  TEMPORAL_DB_PASSWORD: 'secret',
  MAIL_FROM_ADDRESS: 'assessments@example.com',
};

describe('docker-compose.yml', () => {
  it('has every part of the production stack', async () => {
    const { services } = await compose();
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'app-db',
        'mailpit',
        'migrate',
        'temporal',
        'temporal-db',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    for (const service of Object.values(services)) {
      if (service.image && !service.image.startsWith('greenroom')) expect(service.image).toMatch(/:[\w.-]+$/); // pinned
    }
  });

  it('gives the app processes a configuration our config module accepts', async () => {
    const file = await compose();
    for (const name of ['api', 'worker', 'migrate', 'temporal-setup']) {
      const env = await serviceEnvironment(file, name, supplied);
      for (const key of Object.keys(env)) expect(Object.keys(configSchema.shape)).toContain(key);
      const config = loadConfig(env);
      expect(config.DATABASE_URL).toMatch(/@app-db:5432\/greenroom$/);
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      // The API and worker refuse to start without both key sets.
      expect(config.SECRETS_ENCRYPTION_KEYS).toHaveLength(1);
      expect(config.PAYLOAD_ENCRYPTION_KEYS).toHaveLength(1);
    }
  });

  it('starts files the build produces and orders the one-shot jobs first', async () => {
    const { services } = await compose();
    const dockerfile = await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toMatch(/bundle:workflows -- dist\/workflow-bundle\.js/);
    for (const name of ['api', 'worker', 'migrate', 'temporal-setup']) {
      const [runtime, script] = services[name]!.command as string[];
      expect(runtime).toBe('node');
      // dist/x/y.js is compiled from x/y.ts
      await access(path.join(repoRoot, script!.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
    }
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
  });
});
