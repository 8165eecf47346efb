import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../greenhouse-sandbox/index.js';
import { generateEncryptionKeySpec } from '../security/secret-box.js';
import { freePorts } from '../temporal/free-port.js';
import {
  imageEnvironment,
  interpolate,
  readCompose,
  relocate,
  serviceEnvironment,
  type ComposeFile,
} from './compose-env.js';
import { adminQuery } from './postgres-admin.js';
import { repoRoot, spawnProcess, type SpawnedProcess } from './processes.js';
import {
  connectHarnessTenant,
  DEFAULT_POSTGRES_ADMIN_URL,
  operatorClient,
  stopProcess,
  waitForReady,
  withDatabase,
} from './product-stack.js';
import { createTestSmtpServer, type TestSmtpServer } from './smtp-server.js';
import { startTemporalServer, type RealTemporalServer } from './temporal-server.js';

/**
 * The production stack of docker-compose.yml without Docker: `dist/` built from the tree, the
 * real Temporal server on PostgreSQL, a real SMTP server in mailpit's place, the Greenhouse sandbox,
 * and compose's one-shot jobs, API and worker services run with compose's commands and environment
 * (the Dockerfile's ENV under it), host names moved to loopback. Several API and worker processes,
 * as replicas would run.
 */
export interface DeployStackOptions {
  apis?: number;
  workers?: number;
  /** Sandbox candidates, one application each (default 6). */
  candidates?: number;
  postgresAdminUrl?: string;
  log?: (line: string) => void;
}

export interface DeployProcess {
  url: string;
  process: SpawnedProcess;
}

export async function startDeployStack(options: DeployStackOptions = {}) {
  const log = options.log ?? (() => undefined);
  const adminUrl = options.postgresAdminUrl ?? DEFAULT_POSTGRES_ADMIN_URL;
  const workDir = await mkdtemp(path.join(tmpdir(), 'greenroom-deploy-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    // The two slow parts at once: compiling dist/ and Temporal's schema and start.
    let temporalServer: RealTemporalServer | undefined;
    cleanups.push(async () => temporalServer?.stop());
    await Promise.all([
      buildDist(log),
      startTemporalServer({ postgresAdminUrl: adminUrl, workDir, log }).then((s) => (temporalServer = s)),
    ]);
    const temporal = temporalServer!;
    log(`dist/ built; Temporal server ${temporal.address} (pid ${temporal.pid})`);

    const smtp: TestSmtpServer = createTestSmtpServer();
    await smtp.start();
    cleanups.push(() => smtp.close());
    const sb: Sandbox = await startSandbox({
      orgs: [{ name: 'Deploy', candidates: options.candidates ?? 6, jobs: 1, plan: 'enterprise' }],
      rateLimit: { v1: { limit: 1_000_000 }, v3: { limit: 1_000_000 }, token: { limit: 1_000_000 } },
    });
    cleanups.push(() => sb.close());

    const apiPorts = await freePorts(options.apis ?? 2);
    const apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    // What an operator puts in .env next to docker-compose.yml.
    const supplied: Record<string, string> = {
      GREENROOM_DB_PASSWORD: randomBytes(12).toString('hex'),
      TEMPORAL_DB_PASSWORD: randomBytes(12).toString('hex'),
      OPERATOR_API_KEY: `deploy-operator-${randomBytes(12).toString('hex')}`,
      SECRETS_ENCRYPTION_KEYS: generateEncryptionKeySpec('deploy1'),
      PAYLOAD_ENCRYPTION_KEYS: generateEncryptionKeySpec('deploypayload1'),
      PERSON_INDEX_KEY: randomBytes(32).toString('base64'),
      GREENROOM_DOMAIN: 'assess.deploy.greenroom.test',
      TEMPORAL_UI_DOMAIN: 'temporal.deploy.greenroom.test',
      // The staging profile's value; relocated below to this run's SMTP server.
      SMTP_URL: 'smtp://mailpit:1025',
      MAIL_FROM_ADDRESS: 'assessments@deploy.greenroom.test',
      LOG_LEVEL: 'warn',
    };

    const compose = await readCompose(path.join(repoRoot, 'docker-compose.yml'));
    const image = await imageEnv();
    const admin = new URL(adminUrl);
    const endpoints = {
      'app-db:5432': `${admin.hostname}:${admin.port || '5432'}`,
      'temporal:7233': temporal.address,
      'mailpit:1025': `127.0.0.1:${smtp.port}`,
    };
    const appDb = await createAppDatabase(adminUrl, compose, supplied);
    cleanups.push(() => appDb.drop());
    const envOf = async (service: string, extra: Record<string, string> = {}) => {
      const env = relocate(compose, await serviceEnvironment(compose, service, supplied), endpoints);
      // Changes beyond hosts: this run's own database instead of compose's `greenroom`, the API
      // reached directly over http where Caddy would terminate TLS for https://GREENROOM_DOMAIN, and
      // the sandbox standing in for Greenhouse.
      if (env.DATABASE_URL) env.DATABASE_URL = withDatabase(env.DATABASE_URL, appDb.name);
      env.PUBLIC_BASE_URL = apiUrls[0]!;
      // Paths inside the image (/app, its WORKDIR) are this checkout, as in imageEnv().
      for (const [key, value] of Object.entries(env)) {
        if (value.startsWith('/app/')) env[key] = path.join(repoRoot, value.slice('/app/'.length));
      }
      // Greenhouse is the sandbox on loopback here: its host may take the completion PATCH over http.
      env.GREENHOUSE_SANDBOX_CALLBACK_HOSTS = new URL(sb.url).host;
      return { PATH: process.env.PATH, ...image, ...env, ...extra };
    };

    const jobOutput: Record<string, string> = {};
    for (const job of ['migrate', 'temporal-setup']) {
      jobOutput[job] = await runJob(compose, job, await envOf(job));
      log(`${job}: ${jobOutput[job].trim()}`);
    }

    const processes: SpawnedProcess[] = [];
    cleanups.push(() => Promise.all(processes.map((p) => stopProcess(p))));
    const startService = async (service: string, readyUrl: string, extra: Record<string, string>) => {
      const [cmd, ...args] = commandOf(compose, service);
      const proc = spawnProcess(cmd!, args, await envOf(service, extra));
      processes.push(proc);
      await waitForReady(service, proc, readyUrl);
      return proc;
    };
    const apis: DeployProcess[] = await Promise.all(
      apiPorts.map(async (port, i) => ({
        url: apiUrls[i]!,
        process: await startService('api', `${apiUrls[i]}/readyz`, { API_PORT: String(port) }),
      })),
    );
    const workers: DeployProcess[] = await Promise.all(
      Array.from({ length: options.workers ?? 2 }, async () => {
        const [health, metrics] = await freePorts(2);
        const url = `http://127.0.0.1:${health}`;
        return {
          url,
          process: await startService('worker', `${url}/readyz`, {
            WORKER_HEALTH_PORT: String(health),
            WORKER_TEMPORAL_METRICS_PORT: String(metrics),
          }),
        };
      }),
    );
    log(`${apis.length} APIs and ${workers.length} workers ready`);

    const { call, must } = operatorClient(apiUrls[0]!, supplied.OPERATOR_API_KEY!);
    const { org, tenantId, partnerKey, candidates } = await connectHarnessTenant(must, sb, apiUrls[0]!);

    return {
      sb,
      org,
      smtp,
      tenantId,
      partnerKey,
      candidates,
      call,
      operatorKey: supplied.OPERATOR_API_KEY!,
      temporal,
      databaseUrl: appDb.adminScopedUrl,
      apis,
      workers,
      /** What compose's one-shot jobs printed. */
      jobOutput,
      /** Greenhouse's Send test goes to this API process from now on. */
      async pointPartnerApiAt(apiUrl: string) {
        await sb.admin.configureIntegration(org.org.id, {
          partnerApi: { baseUrl: `${apiUrl}/partner`, apiKey: partnerKey },
          callbackAuth: { kind: 'basic_key', key: `callback_org${org.org.id}` },
        });
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
export type DeployStack = Awaited<ReturnType<typeof startDeployStack>>;

/** `npm run build`, as the image's build stage runs it. */
async function buildDist(log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const build = spawnProcess('npm', ['run', '--silent', 'build'], process.env);
  const status = await build.exited;
  if (status !== 0) throw new Error(`npm run build failed (${status}):\n${build.output()}`);
  log(`npm run build: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The runtime image's ENV, its /app paths moved to this checkout, listening on loopback only. */
async function imageEnv(): Promise<Record<string, string>> {
  const env = imageEnvironment(await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8'));
  for (const [key, value] of Object.entries(env)) {
    if (value.startsWith('/app/')) env[key] = path.join(repoRoot, value.slice('/app/'.length));
  }
  if (env.API_HOST === '0.0.0.0') env.API_HOST = '127.0.0.1';
  return env;
}

/**
 * A fresh database for the run, owned by the role compose's DATABASE_URL names (app-db's
 * POSTGRES_USER), so the migrations run with that role's rights rather than the admin's.
 */
async function createAppDatabase(adminUrl: string, compose: ComposeFile, supplied: Record<string, string>) {
  const user = compose.services['app-db']?.environment;
  const role =
    user && !Array.isArray(user) && user.POSTGRES_USER
      ? interpolate(String(user.POSTGRES_USER), supplied)
      : 'postgres';
  // Roles are cluster-wide: create it once, and tolerate a concurrent run doing the same.
  await adminQuery(
    adminUrl,
    `DO $$ BEGIN CREATE ROLE "${role}" LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
  );
  const name = `greenroom_deploy_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${name}" OWNER "${role}"`);
  return {
    name,
    role,
    adminScopedUrl: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

function commandOf(compose: ComposeFile, service: string): string[] {
  const command = compose.services[service]?.command;
  if (!Array.isArray(command) || command[0] !== 'node') {
    throw new Error(
      `compose service ${service}: expected a ['node', …] command, got ${JSON.stringify(command)}`,
    );
  }
  return [process.execPath, ...command.slice(1)];
}

/** Runs a one-shot compose service to its end; its output, or an error with it. */
async function runJob(compose: ComposeFile, service: string, env: NodeJS.ProcessEnv): Promise<string> {
  const [cmd, ...args] = commandOf(compose, service);
  const job = spawnProcess(cmd!, args, env);
  let timer: NodeJS.Timeout | undefined;
  const status = await Promise.race([
    job.exited,
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no end within 60 s'), 60_000))),
  ]);
  clearTimeout(timer);
  if (status !== 0) {
    job.child.kill('SIGKILL');
    throw new Error(`compose job ${service} ended with ${status}:\n${job.output()}`);
  }
  return job.output();
}
