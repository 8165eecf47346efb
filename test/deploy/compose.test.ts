import { access } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../config/config.js';
import { repoRoot } from '../../harness/processes.js';
import { greenroomDynamicConfig } from '../../temporal/dynamic-config.js';
import { WORKER_NODE_OPTIONS } from '../../workers/node-options.js';
import {
  composeValues,
  envExampleNames,
  interpolate,
  MissingVariableError,
  productionSection,
  readCompose,
  readRepoFile,
  serviceEnvironment,
  variableReferences,
} from './compose-reading.js';

// Docker cannot run on these machines: these checks keep docker-compose.yml, the Dockerfile and the
// files under deploy/ honest by reading them against the code they start.

/** The greenroom processes: each gets the whole configuration list. */
const GREENROOM_SERVICES = ['api', 'worker', 'migrate', 'temporal-setup'];

/** Variables compose itself uses (never read by config/config.ts); each documented for operators. */
const COMPOSE_ONLY = [
  'GREENROOM_DB_PASSWORD',
  'TEMPORAL_DB_PASSWORD',
  'GREENROOM_DOMAIN',
  'TEMPORAL_UI_DOMAIN',
  'ACME_EMAIL',
  'TEMPORAL_UI_USER',
  'TEMPORAL_UI_PASSWORD_HASH',
  'TEMPORAL_UI_CODEC_KEY',
  'GRAFANA_ADMIN_PASSWORD',
  'API_REPLICAS',
  'WORKER_REPLICAS',
  'GREENROOM_IMAGE',
  'TEMPORAL_HISTORY_SHARDS',
  'PROMETHEUS_RETENTION',
];

/** An operator's .env: every required variable set, nothing else. */
const operatorEnv: Record<string, string> = {
  GREENROOM_DB_PASSWORD: 'app-db-password',
  TEMPORAL_DB_PASSWORD: 'temporal-db-password',
  GREENROOM_DOMAIN: 'assess.example.com',
  TEMPORAL_UI_DOMAIN: 'temporal.example.com',
  ACME_EMAIL: 'ops@example.com',
  OPERATOR_API_KEY: 'o'.repeat(32),
  SECRETS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  PAYLOAD_ENCRYPTION_KEYS: `p1:${Buffer.alloc(32, 9).toString('base64')}`,
  PERSON_INDEX_KEY: Buffer.alloc(32, 5).toString('base64'),
  SMTP_URL: 'smtps://user:pw@smtp.example.com:465',
  MAIL_FROM_ADDRESS: 'assessments@example.com',
  TEMPORAL_UI_PASSWORD_HASH: '$2a$14$abcdefghijklmnopqrstuv',
  TEMPORAL_UI_CODEC_KEY: 'c'.repeat(32),
  GRAFANA_ADMIN_PASSWORD: 'grafana-password',
};

const composeText = () => readRepoFile('docker-compose.yml');
const composeReferences = () => composeValues().flatMap(variableReferences);

describe('docker-compose.yml', () => {
  it('has every part of the production stack, images pinned', () => {
    const { services } = readCompose();
    expect(Object.keys(services).sort()).toEqual(
      [
        'caddy',
        'temporal-db',
        'temporal-schema',
        'temporal',
        'temporal-namespace',
        'temporal-ui',
        'app-db',
        'migrate',
        'temporal-setup',
        'api',
        'worker',
        'mailpit',
        'prometheus',
        'grafana',
      ].sort(),
    );
    for (const [name, service] of Object.entries(services)) {
      const image = interpolate(service.image ?? '', operatorEnv);
      if (!image.startsWith('greenroom')) expect(image, name).toMatch(/:v?\d[\w.-]*$/); // a version, not latest
    }
    expect(services.mailpit!.profiles).toEqual(['staging']);
    expect(services.prometheus!.profiles).toEqual(['monitoring']);
    expect(services.grafana!.profiles).toEqual(['monitoring']);
  });

  describe('one configuration list for every greenroom process', () => {
    const list = () => readCompose()['x-greenroom-env'];

    it('names every variable config/config.ts reads, and nothing it does not read', () => {
      const keys = Object.keys(list());
      expect(CONFIG_KEYS.length).toBeGreaterThan(30);
      expect(CONFIG_KEYS.filter((k) => !keys.includes(k))).toEqual([]); // read by config, missing here
      expect(keys.filter((k) => !CONFIG_KEYS.includes(k))).toEqual([]); // here, never read
    });

    it('reaches the API, the worker and both one-shot jobs whole', () => {
      const { services } = readCompose();
      for (const name of GREENROOM_SERVICES) expect(services[name]!.environment, name).toEqual(list());
    });

    it('parses with the config module once an operator set the required variables', () => {
      const config = loadConfig(serviceEnvironment({ environment: list() }, operatorEnv));
      expect(config).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgresql://greenroom:app-db-password@app-db:5432/greenroom',
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: 'default',
        API_HOST: '0.0.0.0',
        API_PORT: 3000,
        WORKER_HEALTH_PORT: 3001,
        WORKFLOW_BUNDLE_PATH: '/app/dist/workflow-bundle.js',
        SMTP_URL: 'smtps://user:pw@smtp.example.com:465',
        MAIL_FROM_ADDRESS: 'assessments@example.com',
        TEMPORAL_UI_ORIGINS: ['https://temporal.example.com'],
        TRUST_PROXY: ['uniquelocal'],
        GREENHOUSE_SANDBOX: 'off',
        publicBaseUrl: 'https://assess.example.com',
      });
      expect(config.SECRETS_ENCRYPTION_KEYS).toHaveLength(1);
      expect(config.PAYLOAD_ENCRYPTION_KEYS).toHaveLength(1);
    });

    it('passes an operator setting through (the rate limits, mail, log level)', () => {
      const config = loadConfig(
        serviceEnvironment(
          { environment: list() },
          {
            ...operatorEnv,
            PAGE_RATE_LIMIT_PER_MINUTE: '600',
            TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE: '45',
            LOG_LEVEL: 'debug',
            TRUST_PROXY: '1',
          },
        ),
      );
      expect(config).toMatchObject({
        PAGE_RATE_LIMIT_PER_MINUTE: 600,
        TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE: 45,
        LOG_LEVEL: 'debug',
        TRUST_PROXY: 1,
      });
    });

    it('refuses to start without a secret, naming it', () => {
      const { SMTP_URL: _dropped, ...withoutSmtp } = operatorEnv;
      expect(() => serviceEnvironment({ environment: list() }, withoutSmtp)).toThrow(MissingVariableError);
      expect(() => serviceEnvironment({ environment: list() }, withoutSmtp)).toThrow(
        /^SMTP_URL: set SMTP_URL/,
      );
    });
  });

  it('uses no variable beyond the configuration and the documented compose-only ones', () => {
    const used = new Set(composeReferences().map((r) => r.name));
    const unknown = [...used].filter((name) => !CONFIG_KEYS.includes(name) && !COMPOSE_ONLY.includes(name));
    expect(unknown).toEqual([]);
    // Each compose-only variable is really used, and documented where operators look.
    const readme = productionSection();
    const example = envExampleNames();
    for (const name of COMPOSE_ONLY) {
      expect(used.has(name), name).toBe(true);
      expect(readme, name).toContain(name);
      expect(example.has(name), name).toBe(true);
    }
  });

  it('documents every required (${VAR:?…}) variable in the README and .env.example', () => {
    const required = new Set(
      composeReferences()
        .filter((r) => r.operator === ':?' || r.operator === '?')
        .map((r) => r.name),
    );
    expect([...required]).toEqual(
      expect.arrayContaining([
        'OPERATOR_API_KEY',
        'SECRETS_ENCRYPTION_KEYS',
        'SMTP_URL',
        'TEMPORAL_DB_PASSWORD',
      ]),
    );
    const readme = productionSection();
    const example = envExampleNames();
    for (const name of required) {
      expect(readme, name).toContain(`\`${name}\``);
      expect(example.has(name), name).toBe(true);
      expect(operatorEnv[name], `${name} is required but the test's operator env lacks it`).toBeDefined();
    }
    // No real secret in the example: every secret is empty or a placeholder.
    const lines = readRepoFile('.env.example').split('\n');
    for (const name of [
      'GREENROOM_DB_PASSWORD',
      'TEMPORAL_DB_PASSWORD',
      'OPERATOR_API_KEY',
      'GRAFANA_ADMIN_PASSWORD',
    ]) {
      expect(lines, name).toContain(`${name}=`);
    }
    expect(lines).toContain('SECRETS_ENCRYPTION_KEYS=');
    expect(lines).toContain('PAYLOAD_ENCRYPTION_KEYS=');
    expect(lines).toContain("TEMPORAL_UI_PASSWORD_HASH=''");
  });

  it("counts a database healthy only once it answers over TCP (not during the image's initialisation)", () => {
    const { services } = readCompose();
    for (const name of ['app-db', 'temporal-db']) {
      expect(services[name]!.healthcheck!.test.join(' '), name).toMatch(/pg_isready -h 127\.0\.0\.1 /);
    }
  });

  describe('Temporal on the release images', () => {
    it('runs temporalio/server 1.29.1 on PostgreSQL, its schema from admin-tools, no auto-setup', () => {
      const { services } = readCompose();
      expect(composeText()).not.toMatch(/auto-setup|tctl/);
      expect(services.temporal!.image).toBe('temporalio/server:1.29.1');
      expect(services['temporal-schema']!.image).toBe('temporalio/admin-tools:1.29.1');
      expect(services['temporal-namespace']!.image).toBe('temporalio/admin-tools:1.29.1');
      const env = serviceEnvironment(services.temporal!, operatorEnv);
      // The variables of the server image's config template (docker/config_template.yaml).
      expect(env).toMatchObject({
        DB: 'postgres12',
        DB_PORT: '5432',
        POSTGRES_SEEDS: 'temporal-db',
        POSTGRES_USER: 'temporal',
        POSTGRES_PWD: 'temporal-db-password',
        DBNAME: 'temporal',
        VISIBILITY_DBNAME: 'temporal_visibility',
      });
      expect(serviceEnvironment(services['temporal-schema']!, operatorEnv)).toMatchObject({
        SQL_PLUGIN: 'postgres12',
        SQL_HOST: 'temporal-db',
        SQL_USER: 'temporal',
        SQL_PASSWORD: 'temporal-db-password',
      });
      expect(readRepoFile('deploy/temporal/create-visibility-db.sql')).toMatch(
        /CREATE DATABASE temporal_visibility/,
      );
      const schema = readRepoFile('deploy/temporal/temporal-schema.sh');
      expect(schema).toMatch(/setup-schema -v 0\.0/);
      expect(schema).toMatch(/update-schema -d/);
      expect(schema).toMatch(/\/etc\/temporal\/schema\/postgresql\/v12/);
    });

    it("mounts greenroom's dynamic config where the server image reads it, the same the dev server and harness get", () => {
      const { services } = readCompose();
      const env = serviceEnvironment(services.temporal!, operatorEnv);
      const target = env.DYNAMIC_CONFIG_FILE_PATH;
      expect(target).toMatch(/^\/etc\/temporal\/config\/dynamicconfig\//);
      expect(services.temporal!.volumes).toContain(`./deploy/temporal/dynamic-config.yaml:${target}:ro`);
      expect(parse(readRepoFile('deploy/temporal/dynamic-config.yaml'))).toEqual(greenroomDynamicConfig);
      expect(greenroomDynamicConfig['matching.useNewMatcher']).toEqual([{ value: true }]);
    });

    it('checks health with the temporal CLI and creates the namespace before greenroom registers its search attributes', () => {
      const { services } = readCompose();
      expect(services.temporal!.healthcheck!.test).toEqual([
        'CMD',
        'temporal',
        'operator',
        'cluster',
        'health',
        '--address',
        'temporal:7233',
      ]);
      expect(services.temporal!.depends_on).toEqual({
        'temporal-schema': { condition: 'service_completed_successfully' },
      });
      expect(services['temporal-namespace']!.depends_on).toEqual({
        temporal: { condition: 'service_healthy' },
      });
      expect(services['temporal-setup']!.depends_on).toMatchObject({
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
      for (const job of ['temporal-schema', 'temporal-namespace']) {
        const script = services[job]!.entrypoint![1]!;
        expect(services[job]!.volumes).toContain('./deploy/temporal:/etc/greenroom:ro');
        expect(readRepoFile(script.replace('/etc/greenroom/', 'deploy/temporal/'))).toMatch(/^#!\/bin\/sh/);
      }
      expect(serviceEnvironment(services['temporal-namespace']!, operatorEnv)).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: 'default',
      });
    });
  });

  it('migrates with the runner the tests use, then starts files the build produces', async () => {
    const { services } = readCompose();
    expect(services.migrate!.command).toEqual(['node', 'dist/scripts/db-migrate.js']);
    expect(readRepoFile('scripts/db-migrate.ts')).toMatch(/from '\.\.\/db\/migrations\.js'/);
    const pkg = JSON.parse(readRepoFile('package.json'));
    expect(pkg.scripts.build).toMatch(/bundle:workflows -- dist\/workflow-bundle\.js/);
    expect(pkg.scripts.build).toMatch(/cpSync\('prisma','dist\/prisma'/); // db/migrations.ts finds them
    // `npm run worker` (development) runs with the same heap bounds.
    expect(pkg.scripts.worker).toBe(`node ${WORKER_NODE_OPTIONS.join(' ')} --import tsx workers/main.ts`);
    const commands: Record<string, string[]> = {
      api: ['node', 'dist/api/main.js'],
      // With the V8 heap bounds the benchmark harness also starts it with.
      worker: ['node', ...WORKER_NODE_OPTIONS, 'dist/workers/main.js'],
      'temporal-setup': ['node', 'dist/scripts/temporal-setup.js'],
      migrate: ['node', 'dist/scripts/db-migrate.js'],
    };
    for (const [name, command] of Object.entries(commands)) {
      expect(services[name]!.command).toEqual(command);
      // dist/x/y.js is compiled from x/y.ts
      await access(
        path.join(
          repoRoot,
          command
            .at(-1)!
            .replace(/^dist\//, '')
            .replace(/\.js$/, '.ts'),
        ),
      );
    }
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
      // Replicas come from the environment and no host port pins a service to one container.
      expect(String(services[name]!.deploy!.replicas)).toMatch(/^\$\{(API|WORKER)_REPLICAS:-\d+\}$/);
      expect(services[name]!.ports).toBeUndefined();
    }
  });

  describe('TLS proxy and the Temporal UI', () => {
    it('publishes only Caddy to the world; the UI and the API sit behind it', () => {
      const { services } = readCompose();
      const published = Object.entries(services)
        .filter(([, s]) => s.ports?.some((p) => !p.startsWith('127.0.0.1:')))
        .map(([name]) => name);
      expect(published).toEqual(['caddy']);
      expect(services.caddy!.ports).toEqual(['80:80', '443:443', '443:443/udp']);
      expect(services['temporal-ui']!.ports).toBeUndefined();
      expect(services.caddy!.volumes).toContain('./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
    });

    it('points the UI at our codec on its own origin, with CORS origins equal to TEMPORAL_UI_ORIGINS', () => {
      const { services, 'x-greenroom-env': list } = readCompose();
      const ui = serviceEnvironment(services['temporal-ui']!, operatorEnv);
      const config = loadConfig(serviceEnvironment({ environment: list }, operatorEnv));
      expect(ui.TEMPORAL_CORS_ORIGINS!.split(',')).toEqual(config.TEMPORAL_UI_ORIGINS);
      expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe(`${config.TEMPORAL_UI_ORIGINS[0]}/codec`);
      expect(ui.TEMPORAL_ADDRESS).toBe('temporal:7233');
    });

    it('the Caddyfile serves the API and, behind a login, the UI and /codec with the codec key', () => {
      const caddyfile = readRepoFile('deploy/caddy/Caddyfile');
      const sites = [...caddyfile.matchAll(/^(\{\$\w+\}) \{\n([\s\S]*?)^\}/gm)].map((m) => ({
        host: m[1],
        body: m[2]!,
      }));
      expect(sites.map((s) => s.host)).toEqual(['{$GREENROOM_DOMAIN}', '{$TEMPORAL_UI_DOMAIN}']);
      const [api, ui] = sites;
      expect(api!.body).toMatch(/reverse_proxy \{\s*dynamic a api 3000/);
      // The login comes first; every route of the UI site (the UI itself, /codec) is behind it.
      expect(ui!.body.trimStart()).toMatch(
        /^basicauth \{\s*\{\$TEMPORAL_UI_USER\} \{\$TEMPORAL_UI_PASSWORD_HASH\}/,
      );
      expect(ui!.body).toMatch(
        /handle \/codec\/\* \{[\s\S]*dynamic a api 3000[\s\S]*header_up Authorization "Bearer \{\$TEMPORAL_UI_CODEC_KEY\}"/,
      );
      expect(ui!.body).toMatch(/reverse_proxy temporal-ui:8080/);
      // Every {$VAR} the Caddyfile reads, compose gives Caddy.
      const vars = new Set([...caddyfile.matchAll(/\{\$(\w+)\}/g)].map((m) => m[1]!));
      expect(Object.keys(readCompose().services.caddy!.environment!).sort()).toEqual([...vars].sort());
    });
  });

  it('prometheus.yml scrapes every API and worker replica with the read-only metrics key from the compose secret', () => {
    const { services, secrets } = readCompose();
    const prometheus = parse(readRepoFile('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        metrics_path?: string;
        authorization?: { type: string; credentials_file: string };
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
      }[];
    };
    const job = (name: string) => prometheus.scrape_configs.find((j) => j.job_name === name)!;
    expect(secrets).toEqual({ prometheus_metrics_key: { environment: 'METRICS_API_KEY' } });
    expect(services.prometheus!.secrets).toEqual(['prometheus_metrics_key']);
    const list = readCompose()['x-greenroom-env'];
    for (const [jobName, service, port] of [
      ['greenroom-api', 'api', Number(list.API_PORT)],
      ['greenroom-worker', 'worker', Number(list.WORKER_HEALTH_PORT)],
    ] as const) {
      expect(job(jobName)).toMatchObject({
        metrics_path: '/metrics',
        authorization: { type: 'Bearer', credentials_file: '/run/secrets/prometheus_metrics_key' },
        dns_sd_configs: [{ names: [service], type: 'A', port }],
      });
      expect(services[service]!.expose).toEqual([String(port)]);
    }
    expect(services.prometheus!.volumes).toContain(
      './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
  });

  it('provisions Grafana with the Prometheus data source and the dashboard folder compose mounts', () => {
    const { services } = readCompose();
    const datasources = parse(readRepoFile('deploy/grafana/provisioning/datasources/prometheus.yml'));
    expect(datasources.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const providers = parse(readRepoFile('deploy/grafana/provisioning/dashboards/greenroom.yml'));
    expect(services.grafana!.volumes).toContain(
      `./deploy/grafana/dashboards:${providers.providers[0].options.path}:ro`,
    );
    const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/greenroom.json'));
    for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe(datasources.datasources[0].uid);
  });
});

describe('the image', () => {
  it('.dockerignore keeps local secrets and state out', () => {
    const ignored = readRepoFile('.dockerignore').split('\n');
    for (const entry of ['.env', '.env.*', '.data', 'node_modules', 'dist', '.git'])
      expect(ignored).toContain(entry);
  });

  it('installs with scripts off, generates the Prisma client explicitly, never runs prisma migrate', () => {
    const dockerfile = readRepoFile('Dockerfile');
    const runs = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]!);
    const installs = runs.filter((r) => /\bnpm (ci|install|prune)\b/.test(r));
    expect(installs.length).toBeGreaterThan(0);
    for (const run of installs) expect(run).toMatch(/--ignore-scripts/);
    // …and for any npm command in either stage, whatever its version reads of package.json.
    expect(dockerfile.match(/NPM_CONFIG_IGNORE_SCRIPTS=true/g)).toHaveLength(2);
    expect(runs).toContain('npx --no-install tsx scripts/prisma-generate.ts');
    expect(runs.findIndex((r) => r.includes('prisma-generate'))).toBeLessThan(
      runs.findIndex((r) => r.includes('npm run build')),
    );
    expect(dockerfile).not.toMatch(/prisma migrate|migrate deploy/);
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
  });
});
