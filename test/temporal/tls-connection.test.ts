import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../config/config.js';
import { temporalConnectionOptions } from '../../temporal/connection-options.js';
import { completeProbeUpdate } from '../../workflows/probe/messages.js';
import type { probeJourney } from '../../workflows/probe/probe-journey.js';
import { testActivities } from '../helpers/activities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startTestWorker, testDataConverter } from '../helpers/temporal.js';
import { createTestPki, startTlsProxy, type TestPki, type TlsProxy } from '../helpers/tls.js';

// Temporal behind mTLS: a TLS-terminating proxy that demands a client certificate from our CA sits in
// front of the shared dev server; the worker and a client connect with the settings a deployment
// would give (TEMPORAL_TLS_*), through the one connection factory, and run a probe journey.
describe('Temporal connection over TLS and mTLS (TEMPORAL_TLS_*, TEMPORAL_API_KEY)', () => {
  let dir: string;
  let pki: TestPki;
  let proxy: TlsProxy;
  let database: TestDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'greenroom-tls-'));
    pki = await createTestPki(dir);
    proxy = await startTlsProxy({ target: inject('temporalAddress'), pki, requireClientCert: true });
    database = await createTestDatabase();
    await database.db.tenant.create({ data: { id: 'system', slug: 'system', name: 'system' } });
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const mtlsConfig = (): Config =>
    loadConfig({
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_TLS_CA_PATH: pki.caPath,
      TEMPORAL_TLS_CERT_PATH: pki.clientCertPath,
      TEMPORAL_TLS_KEY_PATH: pki.clientKeyPath,
      TEMPORAL_TLS_SERVER_NAME: pki.serverName,
    });

  it('runs a probe journey with a worker and a client connected over mTLS', { timeout: 60_000 }, async () => {
    const config = mtlsConfig();
    const options = temporalConnectionOptions(config.TEMPORAL_ADDRESS!, config);
    expect(options.tls).toMatchObject({ serverNameOverride: pki.serverName });
    const before = proxy.stats.authorized;

    const worker = await startTestWorker({ activities: testActivities(database.db), connection: options });
    const connection = await Connection.connect(options);
    try {
      const client = new Client({ connection, dataConverter: testDataConverter() });
      const journeyId = `probe:system:mtls-${worker.taskQueue}`;
      const handle = await client.workflow.start<typeof probeJourney>('probeJourney', {
        workflowId: journeyId,
        taskQueue: worker.taskQueue,
        args: [{ journeyId, tenantId: 'system', deadlineSeconds: 600 }],
      });
      await handle.executeUpdate(completeProbeUpdate, { args: [{ completedBy: 'mtls' }] });
      expect(await handle.result()).toMatchObject({ status: 'complete', completedBy: 'mtls' });
      const row = await database.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
      expect(row.status).toBe('complete');
    } finally {
      await connection.close();
      await worker.stop();
    }
    // Both went through the proxy with a verified client certificate (not straight to the dev server).
    expect(proxy.stats.authorized - before).toBeGreaterThanOrEqual(2);
  });

  it(
    'refuses a client without a client certificate, or with one from another CA',
    { timeout: 60_000 },
    async () => {
      const base = {
        TEMPORAL_ADDRESS: proxy.address,
        TEMPORAL_TLS_CA_PATH: pki.caPath,
        TEMPORAL_TLS_SERVER_NAME: pki.serverName,
      };
      const noCert = loadConfig(base);
      const stranger = loadConfig({
        ...base,
        TEMPORAL_TLS_CERT_PATH: pki.strangerCertPath,
        TEMPORAL_TLS_KEY_PATH: pki.strangerKeyPath,
      });
      const refusedBefore = proxy.stats.refused;
      for (const config of [noCert, stranger]) {
        const options = temporalConnectionOptions(config.TEMPORAL_ADDRESS!, config);
        await expect(Connection.connect({ ...options, connectTimeout: 3_000 })).rejects.toThrow();
        await expect(NativeConnection.connect(options)).rejects.toThrow();
      }
      expect(proxy.stats.refused).toBeGreaterThan(refusedBefore);
      // Plaintext gRPC to the TLS port gets nowhere either.
      await expect(Connection.connect({ address: proxy.address, connectTimeout: 3_000 })).rejects.toThrow();
    },
  );

  it('sends TEMPORAL_API_KEY as a bearer token, over TLS unless TEMPORAL_TLS=off', async () => {
    // A TLS HTTP/2 endpoint that records what a gRPC client sends, then answers UNAVAILABLE.
    const [key, cert] = await Promise.all([readFile(pki.serverKeyPath), readFile(pki.serverCertPath)]);
    const seen: (string | undefined)[] = [];
    const server = http2.createSecureServer({ key, cert, allowHTTP1: false });
    server.on('stream', (stream, headers) => {
      seen.push(headers.authorization as string | undefined);
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' },
        { endStream: true },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const config = loadConfig({
        TEMPORAL_ADDRESS: address,
        TEMPORAL_API_KEY: 'tcld-test-key',
        TEMPORAL_TLS_CA_PATH: pki.caPath,
        TEMPORAL_TLS_SERVER_NAME: pki.serverName,
      });
      const options = temporalConnectionOptions(address, config);
      expect(options).toMatchObject({ apiKey: 'tcld-test-key', tls: { serverNameOverride: pki.serverName } });
      await expect(Connection.connect({ ...options, connectTimeout: 3_000 })).rejects.toThrow();
      expect(seen).toContain('Bearer tcld-test-key');
    } finally {
      server.close();
    }
    // The key alone turns TLS on (system roots); only an explicit TEMPORAL_TLS=off sends it in clear.
    const keyOnly = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_API_KEY: 'k' });
    expect(temporalConnectionOptions('temporal.example:7233', keyOnly)).toEqual({
      address: 'temporal.example:7233',
      tls: {},
      apiKey: 'k',
    });
    const clear = loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'off' });
    expect(temporalConnectionOptions('sidecar:7233', clear)).toEqual({
      address: 'sidecar:7233',
      tls: false,
      apiKey: 'k',
    });
    expect(temporalConnectionOptions('temporal:7233', loadConfig({}))).toEqual({
      address: 'temporal:7233',
      tls: false,
    });
  });
});
