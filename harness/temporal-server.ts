import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { stopChild, waitUntilServing } from '../temporal/dev-server.js';
import { mergeDynamicConfig, type DynamicConfig } from '../temporal/dynamic-config.js';
import { freePorts } from '../temporal/free-port.js';
import { provideTemporalServer, type TemporalServerBinaries } from '../temporal/server-binary.js';
import { adminQuery } from './postgres-admin.js';

/**
 * The real Temporal server (what docker-compose.yml runs, not the CLI's dev server) on PostgreSQL
 * persistence: two fresh databases on the given PostgreSQL server with Temporal's own schema tool,
 * a config generated from the module's PostgreSQL template with free loopback ports, and the
 * server binary. It creates no namespace: that is the set-up job's work, as in production.
 */
export interface RealTemporalServer {
  address: string;
  pid: number | undefined;
  databases: { main: string; visibility: string };
  logFile: string;
  /** Stops the server and drops its two databases. */
  stop(): Promise<void>;
}

export interface RealTemporalServerOptions {
  postgresAdminUrl: string;
  /** Config, log and archival files go here. */
  workDir: string;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export async function startTemporalServer(options: RealTemporalServerOptions): Promise<RealTemporalServer> {
  const log = options.log ?? (() => undefined);
  const binaries = await provideTemporalServer({ log });
  const admin = new URL(options.postgresAdminUrl);
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const databases = { main: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
  const dropDatabases = async () => {
    for (const db of Object.values(databases)) {
      await adminQuery(options.postgresAdminUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    }
  };

  try {
    for (const [kind, db] of Object.entries(databases) as ['main' | 'visibility', string][]) {
      await adminQuery(options.postgresAdminUrl, `CREATE DATABASE "${db}"`);
      setUpSchema(binaries, admin, db, kind === 'main' ? 'temporal' : 'visibility');
    }
    log(`temporal databases ${databases.main} and ${databases.visibility} on schema of ${binaries.server}`);

    const configDir = path.join(options.workDir, 'temporal-config');
    await mkdir(configDir, { recursive: true });
    const ports = await freePorts(10, { below: 32_768 });
    const config = await serverConfig(binaries, admin, databases, ports, options.workDir);
    await writeFile(path.join(configDir, 'deploy.yaml'), stringify(config));
    // The module's development dynamic config with greenroom's (what compose mounts) over it.
    const base = parse(await readFile(binaries.dynamicConfig, 'utf8')) as DynamicConfig | null;
    await writeFile(path.join(configDir, 'dynamic-config.yaml'), stringify(mergeDynamicConfig(base)));

    const logFile = path.join(options.workDir, 'temporal-server.log');
    const child = spawn(
      binaries.server,
      // --config is read relative to --root.
      [
        '--root',
        options.workDir,
        '--config',
        path.relative(options.workDir, configDir),
        '--env',
        'deploy',
        'start',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out = createWriteStream(logFile, { flags: 'a' });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const address = `127.0.0.1:${ports[0]}`;
    try {
      await waitUntilServing(address, child, options.startTimeoutMs ?? 90_000, 'Temporal server');
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message} (log: ${logFile})`, { cause: err });
    }
    return {
      address,
      pid: child.pid,
      databases,
      logFile,
      async stop() {
        await stopChild(child);
        await dropDatabases();
      },
    };
  } catch (err) {
    await dropDatabases().catch(() => undefined);
    throw err;
  }
}

/** Temporal's recipe: an empty schema at version 0.0, then every versioned step. */
function setUpSchema(
  binaries: TemporalServerBinaries,
  admin: URL,
  db: string,
  folder: 'temporal' | 'visibility',
): void {
  const connect = [
    '--plugin',
    'postgres12',
    '--ep',
    admin.hostname,
    '-p',
    admin.port || '5432',
    '-u',
    decodeURIComponent(admin.username) || 'postgres',
    ...(admin.password ? ['--pw', decodeURIComponent(admin.password)] : []),
    '--db',
    db,
  ];
  const steps = [
    ['setup-schema', '-v', '0.0'],
    ['update-schema', '-d', path.join(binaries.postgresSchemaDir, folder, 'versioned')],
  ];
  for (const step of steps) {
    const result = spawnSync(binaries.sqlTool, [...connect, ...step], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`temporal-sql-tool ${step[0]} on ${db} failed:\n${result.stdout}${result.stderr}`);
    }
  }
}

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The module's PostgreSQL development config with our databases, ports and files. */
async function serverConfig(
  binaries: TemporalServerBinaries,
  admin: URL,
  databases: { main: string; visibility: string },
  ports: number[],
  workDir: string,
): Promise<Yaml> {
  const config = parse(await readFile(binaries.configTemplate, 'utf8')) as Yaml;
  const [frontend, frontendHttp, frontendMembership, history, historyMembership, matching] = ports;
  const [matchingMembership, worker, workerMembership, metrics] = ports.slice(6);
  config.log = { stdout: true, level: 'warn' };
  const stores = config.persistence.datastores as Yaml;
  for (const [store, db] of [
    [config.persistence.defaultStore, databases.main],
    [config.persistence.visibilityStore, databases.visibility],
  ] as [string, string][]) {
    const sql = stores[store].sql as Yaml;
    if (sql?.pluginName !== 'postgres12') {
      throw new Error(
        `${binaries.configTemplate}: datastore ${store} is not postgres12, not the template we know`,
      );
    }
    Object.assign(sql, {
      databaseName: db,
      connectAddr: `${admin.hostname}:${admin.port || '5432'}`,
      user: decodeURIComponent(admin.username) || 'postgres',
      password: decodeURIComponent(admin.password),
    });
  }
  config.global.pprof = { port: 0 }; // 0: not started
  config.global.metrics.prometheus.listenAddress = `127.0.0.1:${metrics}`;
  const rpc = (grpcPort: number, membershipPort: number) => ({
    grpcPort,
    membershipPort,
    bindOnLocalHost: true,
  });
  config.services = {
    frontend: { rpc: { ...rpc(frontend!, frontendMembership!), httpPort: frontendHttp } },
    history: { rpc: rpc(history!, historyMembership!) },
    matching: { rpc: rpc(matching!, matchingMembership!) },
    worker: { rpc: rpc(worker!, workerMembership!) },
  };
  const cluster = config.clusterMetadata.clusterInformation[
    config.clusterMetadata.currentClusterName
  ] as Yaml;
  cluster.rpcAddress = `127.0.0.1:${frontend}`;
  // Archival writes files: keep them in the work folder, never in /tmp at large.
  config.namespaceDefaults.archival.history.URI = `file://${path.join(workDir, 'archival', 'history')}`;
  config.namespaceDefaults.archival.visibility.URI = `file://${path.join(workDir, 'archival', 'visibility')}`;
  config.dynamicConfigClient.filepath = path.join(workDir, 'temporal-config', 'dynamic-config.yaml');
  return config;
}
