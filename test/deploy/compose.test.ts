import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../config/config.js';
import { repoRoot } from '../../harness/processes.js';

// Docker cannot run on these machines: these checks keep docker-compose.yml and the Dockerfile
// honest by reading them against the code they start.
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = async () =>
  parse(await readFile(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

/** Replaces `${VAR:-default}`, `${VAR:?msg}` and `${VAR}` with a plausible value. */
const interpolate = (value: string) =>
  value.replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    if (name === 'OPERATOR_API_KEY') return 'x'.repeat(32);
    if (name.endsWith('_ENCRYPTION_KEYS')) return `k1:${Buffer.alloc(32, 7).toString('base64')}`;
    return fallback && !fallback.startsWith('set ') ? fallback : 'secret';
  });

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
    const { services } = await compose();
    for (const name of ['api', 'worker', 'migrate', 'temporal-setup']) {
      const env = Object.fromEntries(
        Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
      );
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
    for (const name of ['api', 'worker', 'temporal-setup']) {
      const [runtime, script] = services[name]!.command!;
      expect(runtime).toBe('node');
      // dist/x/y.js is compiled from x/y.ts
      await access(path.join(repoRoot, script!.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
    }
    expect(services.migrate!.command).toEqual(['npx', 'prisma', 'migrate', 'deploy']);
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
  });
});
