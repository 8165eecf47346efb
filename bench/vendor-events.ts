import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import type { Activities } from '../activities/index.js';
import { createVendorEventActivities } from '../activities/vendor-events/index.js';
import { createDatabase } from '../db/client.js';
import { applyMigrations } from '../db/migrations.js';
import { adminQuery } from '../harness/postgres-admin.js';
import { DEFAULT_POSTGRES_ADMIN_URL, withDatabase } from '../harness/product-stack.js';
import type { Figure } from '../harness/results.js';
import { exactCount, resultOf, type Scenario } from '../harness/scenario.js';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../security/secret-box.js';
import { dataConverterFor } from '../temporal/data-converter.js';
import { startDevServer } from '../temporal/dev-server.js';
import { vendorEndpointsRepository } from '../vendor/endpoints-repository.js';
import { createDeliveringVendorEventSink } from '../vendor/event-delivery.js';
import { createJourneyWorker } from '../workers/create-worker.js';
import { bundleWorkflows } from '../workers/workflow-bundle.js';
import { runBaseline } from './baseline/run-baseline.js';

/**
 * Issue 16: vendor events delivered per second (stored, one delivery workflow each, signed POST to
 * a local receiver that verifies every signature) versus a bare one-activity workflow on the same
 * Temporal server (bench/baseline). Counts: none lost, none with a bad signature.
 */
export interface VendorEventsParams extends Record<string, number> {
  events: number;
  timeoutSeconds: number;
}

export const vendorEvents: Scenario<VendorEventsParams> = {
  suite: 'bench',
  name: 'vendor-events',
  description: 'vendor events delivered per second (Standard Webhooks) versus a bare one-activity workflow',
  defaults: { events: 1_000, timeoutSeconds: 900 },
  smoke: { events: 20, timeoutSeconds: 120 },

  async run(params, ctx) {
    const startedAt = Date.now();
    const n = params.events;
    const server = ctx.temporalAddress ? null : await startDevServer({ uiPort: 0, log: ctx.log });
    const address = ctx.temporalAddress ?? server!.address;
    const dbName = `greenroom_bench_events_${randomBytes(4).toString('hex')}`;
    await adminQuery(DEFAULT_POSTGRES_ADMIN_URL, `CREATE DATABASE "${dbName}"`);
    const url = withDatabase(DEFAULT_POSTGRES_ADMIN_URL, dbName);
    await applyMigrations(url);
    const db = createDatabase({ url, poolSize: 10 });
    const secrets = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec('bench')));
    const dataConverter = dataConverterFor(parseEncryptionKeys(generateEncryptionKeySpec('pbench')));
    const taskQueue = `vendor-events-${randomBytes(4).toString('hex')}`;
    let secret = '';
    const seen = new Set<string>();
    let badSignatures = 0;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          new Webhook(secret).verify(Buffer.concat(chunks).toString(), req.headers as Record<string, string>);
          seen.add(String(req.headers['webhook-id']));
          res.writeHead(204).end();
        } catch {
          badSignatures++;
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const connection = await NativeConnection.connect({ address });
    const clientConnection = await Connection.connect({ address });
    try {
      const worker = await createJourneyWorker({
        connection,
        namespace: 'default',
        taskQueue,
        dataConverter,
        // Only the delivery activities run here (the bench emits no journey).
        activities: createVendorEventActivities({
          db,
          secrets,
          vendorEndpointAllowHosts: ['127.0.0.1'],
        }) as unknown as Activities,
        workflowBundle: ctx.workflowBundlePath
          ? { codePath: ctx.workflowBundlePath }
          : { code: (await bundleWorkflows()).code },
      });
      const running = worker.run();
      const temporal = new Client({ connection: clientConnection, dataConverter });
      const sink = createDeliveringVendorEventSink({ db, temporal, taskQueue });
      const port = (receiver.address() as AddressInfo).port;
      secret = (
        await vendorEndpointsRepository(db, secrets).create({
          tenantId: null,
          url: `http://127.0.0.1:${port}/hooks`,
          eventTypes: [],
        })
      ).secret;
      await db.tenant.create({ data: { id: 'bench', slug: 'bench', name: 'bench' } });

      const t0 = Date.now();
      const deadline = t0 + params.timeoutSeconds * 1000;
      for (let i = 0; i < n; i += 16) {
        await Promise.all(
          Array.from({ length: Math.min(16, n - i) }, (_, k) =>
            sink.emit({
              key: `bench:${i + k}`,
              type: 'connection.broken',
              tenantId: 'bench',
              orderId: null,
              data: { status: 'disconnected' },
            }),
          ),
        );
      }
      while (seen.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const seconds = (Date.now() - t0) / 1000;
      worker.shutdown();
      await running;
      ctx.log(`${seen.size} of ${n} events delivered in ${seconds.toFixed(1)} s`);

      const bare = await runBaseline({
        temporalAddress: address,
        workflows: n,
        timeoutMs: params.timeoutSeconds * 1000,
      });
      const rate = seen.size / seconds;
      ctx.log(
        `events/s ${rate.toFixed(1)}; bare one-activity workflows/s ${bare.workflowsPerSecond.toFixed(1)}; ratio ${(rate / bare.workflowsPerSecond).toFixed(2)}`,
      );
      const figures: Figure[] = [
        { name: 'events delivered per second', value: rate, unit: '/s', baseline: bare.workflowsPerSecond },
        { name: 'ratio to a bare one-activity workflow', value: rate / bare.workflowsPerSecond, unit: '' },
        exactCount('lost', n - seen.size),
        exactCount('bad signatures', badSignatures),
      ];
      return resultOf(vendorEvents, startedAt, params, figures, [
        `${n} events stored and delivered (one deliverVendorEvent workflow and one signed POST each) to a local receiver verifying every signature with standardwebhooks`,
        `baseline: ${n} bare workflows with one no-op activity (bench/baseline) on the same Temporal server`,
      ]);
    } finally {
      await clientConnection.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      receiver.closeAllConnections();
      receiver.close();
      await db.$disconnect();
      await adminQuery(DEFAULT_POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await server?.stop();
    }
  },
};
