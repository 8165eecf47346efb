import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminQuery } from './postgres-admin.js';
import { createDatabase, type Database } from '../db/client.js';
import { applyMigrations } from '../db/migrations.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../greenhouse-sandbox/index.js';
import { generateEncryptionKeySpec } from '../security/secret-box.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { freePort } from '../temporal/free-port.js';
import { WORKER_NODE_OPTIONS, WORKER_PROCESS_ENV } from '../workers/node-options.js';
import { bundleWorkflows } from '../workers/workflow-bundle.js';
import { repoRoot, spawnBuilt, spawnEntry, waitFor, type SpawnedProcess } from './processes.js';
import { createTestSmtpServer, type TestSmtpServer } from './smtp-server.js';

/**
 * The whole product as it runs in production, on loopback, for benchmarks and the fault suite:
 * PostgreSQL, a Temporal dev server, a real SMTP server and the Greenhouse sandbox, with our API and
 * worker as separate processes (so they can be measured, killed with SIGKILL and restarted). One
 * tenant is connected to the sandbox's organisation and has both modes on: vendor invites (bulk CSV
 * through the operator API) and Greenhouse invites (a recruiter's send_test).
 */

/** The test every journey of the harness takes: one keyed question, so grading is instant. */
export const HARNESS_TEST = {
  testId: 'harness-quiz',
  name: 'Harness quiz',
  passMarkPercent: 50,
  deadlineDays: 7,
  sections: [
    {
      id: 'core',
      title: 'Core',
      questions: [
        {
          kind: 'single_choice',
          id: 'q1',
          prompt: 'typeof null is…',
          points: 1,
          options: [
            { id: 'a', text: '"null"' },
            { id: 'b', text: '"object"', correct: true },
          ],
        },
      ],
    },
  ],
};
export const HARNESS_ANSWERS = { 'q:q1': 'b' };

export interface HarnessCandidate {
  email: string;
  firstName: string;
  lastName: string;
  jobId: number;
  applicationId: number;
  candidateId: number;
}

export interface ProductStackOptions {
  /** Sandbox candidates to seed, one application each that journeys use (default 100). */
  candidates?: number;
  /** Harvest rate limit of the sandbox (default: high enough never to bind). */
  rateLimit?: SandboxOptions['rateLimit'];
  /** Use this Temporal server instead of starting one (tests share theirs). */
  temporalAddress?: string;
  /** Start our own dev server with a SQLite file, so it can be restarted without losing workflows. */
  persistTemporal?: boolean;
  /** A database server to create the stack's database on (default: the local PostgreSQL). */
  postgresAdminUrl?: string;
  workflowBundlePath?: string;
  /** Extra environment for the worker process (e.g. cache sizes). */
  workerEnv?: NodeJS.ProcessEnv;
  /**
   * Run the built worker (`node dist/workers/main.js` and dist/workflow-bundle.js, from `npm run
   * build`) as production does, instead of the TypeScript entry through tsx.
   */
  builtWorker?: boolean;
  /**
   * Extra Node options for the worker process (e.g. a preload), after production's
   * (workers/node-options.ts, which docker-compose.yml's worker command carries).
   */
  workerNodeArgs?: string[];
  apiEnv?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export const DEFAULT_POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_ADMIN_URL ??
  process.env.TEST_POSTGRES_ADMIN_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

/** What `npm run build` writes: the worker's entry point and its workflow bundle. */
export const BUILT_WORKER = 'dist/workers/main.js';
export const BUILT_WORKFLOW_BUNDLE = path.join(repoRoot, 'dist/workflow-bundle.js');

const OPERATOR_KEY = `harness-operator-${randomBytes(12).toString('hex')}`;

export async function startProductStack(options: ProductStackOptions = {}) {
  const log = options.log ?? (() => undefined);
  const workDir = await mkdtemp(path.join(tmpdir(), 'greenroom-harness-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    // Database: a fresh one, migrated, dropped at close.
    const adminUrl = options.postgresAdminUrl ?? DEFAULT_POSTGRES_ADMIN_URL;
    const dbName = `greenroom_harness_${process.pid}_${randomBytes(4).toString('hex')}`;
    await adminQuery(adminUrl, `CREATE DATABASE "${dbName}"`);
    cleanups.push(() => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
    const databaseUrl = withDatabase(adminUrl, dbName);
    await applyMigrations(databaseUrl);
    log(`database ${dbName} created and migrated`);
    const db: Database = createDatabase({ url: databaseUrl, poolSize: 5 });
    cleanups.push(() => db.$disconnect());

    // Temporal: the caller's, or our own (optionally on a SQLite file so it survives a restart).
    const temporalPort = await freePort();
    const temporalDbFile = options.persistTemporal ? path.join(workDir, 'temporal.sqlite') : undefined;
    const startTemporal = () =>
      startDevServer({
        port: temporalPort,
        uiPort: null,
        logFile: path.join(workDir, 'temporal.log'),
        ...(temporalDbFile ? { dbFilename: temporalDbFile } : {}),
      });
    let temporalServer: DevServer | null = options.temporalAddress ? null : await startTemporal();
    cleanups.push(async () => temporalServer?.stop());
    const temporalAddress = options.temporalAddress ?? temporalServer!.address;
    log(`temporal ${temporalAddress} (${temporalServer ? 'own dev server' : 'shared'})`);

    let bundlePath = options.builtWorker ? BUILT_WORKFLOW_BUNDLE : options.workflowBundlePath;
    if (!bundlePath) {
      bundlePath = path.join(workDir, 'workflow-bundle.js');
      await writeFile(bundlePath, (await bundleWorkflows()).code);
    }

    const smtp: TestSmtpServer = createTestSmtpServer();
    await smtp.start();
    cleanups.push(() => smtp.close());

    const nCandidates = options.candidates ?? 100;
    const sb: Sandbox = await startSandbox({
      orgs: [{ name: 'Harness', candidates: nCandidates, jobs: 1, plan: 'enterprise' }],
      rateLimit: options.rateLimit ?? {
        v1: { limit: 1_000_000 },
        v3: { limit: 1_000_000 },
        token: { limit: 1_000_000 },
      },
      // Bounded: long runs log many requests; counts come from the sandbox's state, not this log.
      requestLogCapacity: 50_000,
    });
    cleanups.push(() => sb.close());

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const common: NodeJS.ProcessEnv = {
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `harness-${randomBytes(4).toString('hex')}`,
      SECRETS_ENCRYPTION_KEYS: generateEncryptionKeySpec('harness1'),
      PAYLOAD_ENCRYPTION_KEYS: generateEncryptionKeySpec('harnesspayload1'),
      PUBLIC_BASE_URL: apiUrl,
      SMTP_URL: smtp.url,
      // The sandbox's completion callback is plain http on loopback: allow exactly it.
      GREENHOUSE_SANDBOX_CALLBACK_HOSTS: new URL(sb.url).host,
    };
    const apiEnv: NodeJS.ProcessEnv = {
      ...common,
      API_PORT: String(apiPort),
      OPERATOR_API_KEY: OPERATOR_KEY,
      // The load is ours and from one address: per-IP limits for the public pages would bind.
      PAGE_RATE_LIMIT_PER_MINUTE: '100000',
      TOKEN_ENDPOINT_RATE_LIMIT_PER_MINUTE: '100000',
      ...options.apiEnv,
    };

    const processes = { api: null as SpawnedProcess | null, worker: null as SpawnedProcess | null };
    cleanups.push(async () => {
      for (const p of [processes.worker, processes.api]) await stopProcess(p);
    });

    const startApi = async () => {
      processes.api = spawnEntry('api/main.ts', apiEnv);
      await waitForReady('API', processes.api, `${apiUrl}/readyz`);
    };
    const startWorker = async () => {
      const healthPort = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...common,
        WORKFLOW_BUNDLE_PATH: bundlePath,
        WORKER_HEALTH_PORT: String(healthPort),
        WORKER_TEMPORAL_METRICS_PORT: String(await freePort()),
        // Lets the harness read the worker's /metrics (heap figures) with the stack's operator key.
        OPERATOR_API_KEY: OPERATOR_KEY,
        ...WORKER_PROCESS_ENV,
        ...options.workerEnv,
      };
      const nodeArgs = [...WORKER_NODE_OPTIONS, ...(options.workerNodeArgs ?? [])];
      processes.worker = options.builtWorker
        ? spawnBuilt(BUILT_WORKER, env, nodeArgs)
        : spawnEntry('workers/main.ts', env, [], nodeArgs);
      processes.worker.healthUrl = `http://127.0.0.1:${healthPort}`;
      await waitForReady('worker', processes.worker, `http://127.0.0.1:${healthPort}/readyz`);
    };
    await Promise.all([startApi(), startWorker()]);
    log(`api ${apiUrl} and worker ready; smtp ${smtp.url}; sandbox ${sb.url}`);

    const { call, must } = operatorClient(apiUrl, OPERATOR_KEY);
    const { org, tenantId, partnerKey, candidates } = await connectHarnessTenant(must, sb, apiUrl);

    return {
      db,
      databaseUrl,
      sb,
      smtp,
      org,
      tenantId,
      partnerKey,
      candidates,
      apiUrl,
      operatorKey: OPERATOR_KEY,
      /** Operator API call with the stack's key; the body is parsed JSON. */
      call,
      temporal: {
        address: temporalAddress,
        get pid() {
          return temporalServer?.pid ?? undefined;
        },
        /** Kills our dev server (SIGKILL) and starts it again on the same port and SQLite file. */
        async restart(downMs = 0) {
          if (!temporalServer || !temporalDbFile)
            throw new Error('restart needs the stack to run its own persisted Temporal server');
          if (temporalServer.pid) process.kill(temporalServer.pid, 'SIGKILL');
          await temporalServer.stop();
          if (downMs) await new Promise((r) => setTimeout(r, downMs));
          temporalServer = await startTemporal();
        },
      },
      api: {
        get process() {
          return processes.api;
        },
        start: startApi,
        stop: () => stopProcess(processes.api),
      },
      worker: {
        get process() {
          return processes.worker;
        },
        /** The worker's health server (/readyz, /metrics with the operator key). */
        get healthUrl() {
          return processes.worker?.healthUrl;
        },
        get pid() {
          return processes.worker?.child.pid;
        },
        start: startWorker,
        /** SIGKILL: no shutdown, activities in flight are lost and retried by Temporal. */
        async kill() {
          const p = processes.worker;
          if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
          p.child.kill('SIGKILL');
          await p.exited;
        },
        stop: () => stopProcess(processes.worker),
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
export type ProductStack = Awaited<ReturnType<typeof startProductStack>>;

/** The operator API of one API process; `call` answers parsed JSON, `must` throws on a non-2xx. */
export function operatorClient(apiUrl: string, operatorKey: string) {
  const call = async (
    method: string,
    urlPath: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${apiUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const must = async (method: string, urlPath: string, body?: unknown) => {
    const res = await call(method, urlPath, body);
    if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return { call, must };
}

/**
 * The harness tenant, set up as an operator would through the operator API: connected to the
 * sandbox's first organisation, score mapped, the harness test in the catalogue, both modes on and
 * the sandbox's partner integration pointed at `apiUrl`.
 */
export async function connectHarnessTenant(
  must: ReturnType<typeof operatorClient>['must'],
  sb: Sandbox,
  apiUrl: string,
) {
  const org = sb.orgs[0]!;
  const tenantId = String((await must('POST', '/operator/tenants', { slug: 'harness', name: 'Harness' })).id);
  await must('PUT', `/operator/tenants/${tenantId}/greenhouse`, {
    kind: 'v3_client_credentials',
    clientId: org.credentials.v3.clientId,
    clientSecret: org.credentials.v3.clientSecret,
    auditUserId: org.siteAdmin.id,
    greenhouseHost: 'app.greenhouse.io',
    harvestBaseUrl: sb.url,
    authBaseUrl: sb.url,
  });
  const fields = (await must('GET', `/operator/tenants/${tenantId}/greenhouse/custom-fields`))
    .application as {
    id: string;
    valueType: string;
  }[];
  await must('PUT', `/operator/tenants/${tenantId}/custom-field-mappings`, {
    mappings: [
      {
        resultField: 'score',
        scope: 'application',
        customFieldId: fields.find((f) => f.valueType === 'number')!.id,
      },
    ],
  });
  await must('PUT', `/operator/tenants/${tenantId}/tests/${HARNESS_TEST.testId}`, HARNESS_TEST);
  const callbackKey = `callback_org${org.org.id}`;
  const partnerKey = String(
    (
      await must('POST', `/operator/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
        callbackCredential: callbackKey,
      })
    ).partnerApiKey,
  );
  await sb.admin.configureIntegration(org.org.id, {
    partnerApi: { baseUrl: `${apiUrl}/partner`, apiKey: partnerKey },
    callbackAuth: { kind: 'basic_key', key: callbackKey },
  });
  await must('POST', `/operator/tenants/${tenantId}/modes/vendor_invite/activate`, {});

  const ghOrg = sb.state.org(org.org.id)!;
  const candidates: HarnessCandidate[] = ghOrg.candidates.all().map((c) => {
    const application = ghOrg.applications.get(c.applicationIds[0]!)!;
    return {
      email: c.emails[0]!.value,
      firstName: c.firstName,
      lastName: c.lastName,
      jobId: application.jobId,
      applicationId: application.id,
      candidateId: c.id,
    };
  });
  return { org, tenantId, partnerKey, candidates };
}

export async function waitForReady(what: string, proc: SpawnedProcess, url: string) {
  await waitFor(
    `${what} to be ready at ${url}`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${what} exited early:\n${proc.output()}`);
      return (await fetch(url)).ok;
    },
    120_000,
  );
}

export async function stopProcess(p: SpawnedProcess | null): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const killer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  p.child.kill('SIGTERM');
  await p.exited;
  clearTimeout(killer);
}

export function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
