// `npm start`: the whole product on one machine with nothing installed.
// Embedded defaults for every part that is not configured:
//   DATABASE_URL unset     → PGlite (PostgreSQL in WebAssembly) on a loopback socket, under DATA_DIR
//   TEMPORAL_ADDRESS unset → a Temporal dev server with its Web UI, persisted under DATA_DIR
//   OPERATOR_API_KEY unset → a generated key kept in DATA_DIR/operator-api-key
//   SECRETS_ENCRYPTION_KEYS unset → a generated key kept in DATA_DIR/secrets-encryption-key
//   PAYLOAD_ENCRYPTION_KEYS unset → a generated key kept in DATA_DIR/payload-encryption-key (encrypts
//                            every journey payload in Temporal: security/payload-codec.ts)
//   PERSON_INDEX_KEY unset → a generated key kept in DATA_DIR/person-index-key (keys the person index
//                            and vendor-invite ids: security/person-index.ts)
//   Temporal UI            → decodes journeys' payloads through the API's /codec on loopback: the dev
//                            server gets --ui-codec-endpoint, the API CODEC_LOOPBACK_WITHOUT_KEY=on
//                            (the stock UI sends no operator key; api/codec/routes.ts says who
//                            gets in without one) and the UI's origins in TEMPORAL_UI_ORIGINS
//   Greenhouse             → the Greenhouse sandbox with a seeded demo organisation (GREENHOUSE_SANDBOX=off
//                            when you connect tenants to a real Greenhouse)
//   the vendor's product   → with the sandbox, the demo vendor (demo-vendor/) on DEMO_VENDOR_PORT: its
//                            package enabled on the demo tenant, its event endpoint allowed over plain
//                            http on loopback (VENDOR_ENDPOINT_ALLOW_HOSTS, that host:port only)
// Then it runs the worker and the API as child processes (as in production) and restarts either if
// it dies. Ctrl-C stops everything in order.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '../config/config.js';
import { startSandbox, type Sandbox } from '../greenhouse-sandbox/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded.js';
import { applyMigrations } from '../db/migrations.js';
import { generateEncryptionKeySpec } from '../security/secret-box.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { startDemoVendor, type DemoVendor } from '../demo-vendor/index.js';
import { demoVendorKey, enableDemoVendorPackage, setUpDemoTenant } from './demo-tenant.js';
import { WORKER_NODE_OPTIONS, WORKER_PROCESS_ENV } from '../workers/node-options.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = loadConfigOrExit();
const dataDir = path.resolve(root, config.DATA_DIR);
await mkdir(dataDir, { recursive: true });
const say = (line: string) => process.stdout.write(`greenroom: ${line}\n`);

let embeddedDb: EmbeddedPostgres | undefined;
let devServer: DevServer | undefined;
let sandbox: Sandbox | undefined;
let demoVendor: DemoVendor | undefined;
const children = new Map<string, ChildProcess>();
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await demoVendor?.close().catch(() => undefined);
  await Promise.all([...children.values()].map(stopChild));
  await sandbox?.close().catch(() => undefined);
  await devServer?.stop().catch(() => undefined);
  await embeddedDb?.stop().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embeddedDb = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pglite'),
      port: config.EMBEDDED_DB_PORT,
    });
    databaseUrl = embeddedDb.url;
    say(`database: embedded PGlite in ${path.join(dataDir, 'pglite')} (set DATABASE_URL to use PostgreSQL)`);
  } else {
    say('database: DATABASE_URL');
  }
  const applied = await applyMigrations(databaseUrl);
  if (applied.length) say(`applied migrations: ${applied.join(', ')}`);

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUi: string | null = null;
  // The local UI calls the API from the browser, on loopback (the API may not be up yet: the UI
  // only calls it when someone opens a workflow).
  const localCodec = localCodecEndpoint(config.API_HOST, config.API_PORT);
  if (!temporalAddress) {
    devServer = await startDevServer({
      ...(localCodec ? { uiCodecEndpoint: localCodec } : {}),
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      dbFilename: path.join(dataDir, 'temporal.sqlite'),
      logFile: path.join(dataDir, 'logs', 'temporal.log'),
      log: say,
    });
    temporalAddress = devServer.address;
    temporalUi = devServer.uiUrl;
    say(`temporal: dev server on ${temporalAddress} (${devServer.cli?.source ?? 'SDK download'})`);
  } else {
    say(`temporal: ${temporalAddress}`);
  }

  if (config.GREENHOUSE_SANDBOX === 'on') {
    sandbox = await startSandbox({
      port: config.GREENHOUSE_SANDBOX_PORT,
      orgs: [{ name: 'Demo Organisation', candidates: 50, jobs: 3 }],
      webhooks: { retryScale: 0.001 },
    });
  }

  const operatorKey =
    config.OPERATOR_API_KEY ??
    (await localSecret('operator-api-key', () => `grop_${randomBytes(24).toString('base64url')}`));
  const encryptionKeys =
    process.env.SECRETS_ENCRYPTION_KEYS?.trim() ||
    (await localSecret('secrets-encryption-key', () => generateEncryptionKeySpec('local1')));
  const payloadKeys =
    process.env.PAYLOAD_ENCRYPTION_KEYS?.trim() ||
    (await localSecret('payload-encryption-key', () => generateEncryptionKeySpec('payload1')));
  const personIndexKey =
    process.env.PERSON_INDEX_KEY?.trim() ||
    (await localSecret('person-index-key', () => randomBytes(32).toString('base64')));
  const uiOrigins = temporalUi ? localUiOrigins(temporalUi, config.TEMPORAL_UI_ORIGINS) : null;
  const childEnv = {
    ...process.env,
    // Our own dev server's UI: it decodes through the codec on loopback without an operator key,
    // unless CODEC_LOOPBACK_WITHOUT_KEY=off is set explicitly.
    ...(uiOrigins && localCodec
      ? {
          TEMPORAL_UI_ORIGINS: uiOrigins,
          CODEC_LOOPBACK_WITHOUT_KEY: process.env.CODEC_LOOPBACK_WITHOUT_KEY?.trim() || 'on',
        }
      : {}),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    OPERATOR_API_KEY: operatorKey,
    SECRETS_ENCRYPTION_KEYS: encryptionKeys,
    PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
    PERSON_INDEX_KEY: personIndexKey,
    // The local sandbox's completion callback is plain http on loopback: allow exactly it.
    ...(sandbox && !process.env.GREENHOUSE_SANDBOX_CALLBACK_HOSTS?.trim()
      ? { GREENHOUSE_SANDBOX_CALLBACK_HOSTS: new URL(sandbox.url).host }
      : {}),
    // The demo vendor's event endpoint is plain http on loopback: allow exactly it.
    ...(sandbox && !process.env.VENDOR_ENDPOINT_ALLOW_HOSTS?.trim()
      ? { VENDOR_ENDPOINT_ALLOW_HOSTS: `127.0.0.1:${config.DEMO_VENDOR_PORT}` }
      : {}),
    // The embedded database runs one statement at a time: a small pool is enough and fair.
    ...(embeddedDb ? { DATABASE_POOL_SIZE: '2' } : {}),
  };
  supervise('worker', 'workers/main.ts', { ...childEnv, ...WORKER_PROCESS_ENV }, WORKER_NODE_OPTIONS);
  supervise('api', 'api/main.ts', childEnv);
  // Ready means a journey started now runs: the API answers and the worker polls.
  await waitForHttp(`http://127.0.0.1:${config.API_PORT}/readyz`, 120_000);
  await waitForHttp(`http://127.0.0.1:${config.WORKER_HEALTH_PORT}/readyz`, 120_000);

  const apiUrl = `http://127.0.0.1:${config.API_PORT}`;
  const demo = sandbox ? await setUpDemoTenant({ apiUrl, operatorKey, sandbox }) : null;
  // The vendor's side of the seam: the demo vendor syncs its package and subscribes to events
  // through the vendor API; the operator then enables the package on the demo tenant.
  const vendorDemo = demo
    ? await (async () => {
        demoVendor = await startDemoVendor({
          greenroomUrl: apiUrl,
          integrationKey: await demoVendorKey({ apiUrl, operatorKey }),
          issuer: config.publicBaseUrl,
          port: config.DEMO_VENDOR_PORT,
          log: (line) => say(`demo vendor: ${line}`),
        });
        return enableDemoVendorPackage({ apiUrl, operatorKey, tenantId: demo.tenantId });
      })()
    : null;

  // 'ready' and the summary in one write: whoever waits for 'ready' (a script, a test) sees it all at once.
  const summary: string[] = [];
  summary.push(`  API            ${config.publicBaseUrl}  (health: /healthz, /readyz)`);
  summary.push(
    `  Temporal UI    ${temporalUi ?? 'see your Temporal deployment'}${temporalUi && localCodec ? ` (decodes payloads through ${localCodec})` : ''}`,
  );
  if (sandbox && demo) {
    const org = sandbox.orgs[0]!;
    summary.push(`  Greenhouse     sandbox ${sandbox.url} (admin: ${sandbox.url}/_sandbox/orgs)`);
    summary.push(
      `                 demo org ${org.org.id}: Harvest v1 key ${org.credentials.v1.key}, v3 client ${org.credentials.v3.clientId}`,
    );
    summary.push(`  demo tenant    ${demo.tenantId}, connected to the demo org, test ${demo.testId}`);
    summary.push(
      `  send a test    curl -X POST -H 'content-type: application/json' -d '{"partner_test_id":"${demo.testId}"}' \\`,
    );
    summary.push(
      `                   ${sandbox.url}/_sandbox/orgs/${demo.orgId}/applications/${demo.applicationId}/send_test`,
    );
    if (demoVendor && vendorDemo) {
      summary.push(
        `  demo vendor    ${demoVendor.url} (its orders: ${demoVendor.url}/orders), package ${vendorDemo.packageId}`,
      );
      summary.push(
        `  send its test  curl -X POST -H 'content-type: application/json' -d '{"partner_test_id":"${vendorDemo.packageId}"}' \\`,
      );
      summary.push(
        `                   ${sandbox.url}/_sandbox/orgs/${demo.orgId}/applications/${demo.applicationId}/send_test`,
      );
      summary.push(
        `                 then open the launch link (/v/…) of the invite in the outbox and take the test`,
      );
    }
    summary.push(
      `  outbox         ${config.SMTP_URL ? 'SMTP_URL (mail is sent)' : `${config.publicBaseUrl}/outbox (operator key as password)`}`,
    );
  }
  summary.push(
    `  operator key   ${config.OPERATOR_API_KEY ? 'OPERATOR_API_KEY' : path.join(dataDir, 'operator-api-key')}`,
  );
  summary.push(
    `  try it         curl -X POST -H "Authorization: Bearer $(cat ${path.join(config.DATA_DIR, 'operator-api-key')})" \\`,
  );
  summary.push(
    `                   -H 'content-type: application/json' -d '{}' ${config.publicBaseUrl}/operator/probes`,
  );
  say(`ready\n${summary.map((line) => `greenroom: ${line}`).join('\n')}`);
} catch (err) {
  process.stderr.write(`greenroom: could not start: ${(err as Error).message}\n`);
  await stopAll(1);
}

function supervise(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): void {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, entry)], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); restarting in 1 s`);
    setTimeout(() => !stopping && supervise(name, entry, env, nodeArgs), 1_000);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 35_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The API's codec as the browser on this machine reaches it, or null when the API is not on loopback. */
function localCodecEndpoint(apiHost: string, apiPort: number): string | null {
  return ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1'].includes(apiHost)
    ? `http://127.0.0.1:${apiPort}/codec`
    : null;
}

/** The configured UI origins plus both spellings of the local UI's. */
function localUiOrigins(uiUrl: string, configured: readonly string[]): string {
  const port = new URL(uiUrl).port;
  return [...new Set([...configured, `http://127.0.0.1:${port}`, `http://localhost:${port}`])].join(',');
}

/** A secret generated once for this data directory and kept beside the data it protects. */
async function localSecret(name: string, generate: () => string): Promise<string> {
  const file = path.join(dataDir, name);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const value = generate();
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
