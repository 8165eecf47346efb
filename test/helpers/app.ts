import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { createApp, type AppDependencies } from '../../api/app.js';
import { createCatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import { MemoryRateBudgetStore } from '../../greenhouse/harvest/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import { createConnectionService } from '../../tenants/connection-service.js';
import { createConnectionUpkeep } from '../../tenants/connection-upkeep.js';
import { harvestClientFactory } from '../../tenants/harvest-clients.js';
import { createHarvestGateway } from '../../tenants/harvest-gateway.js';
import { freePort } from '../../temporal/free-port.js';
import { testSecretBox } from './activities.js';
import { listen } from './http.js';
import { testDataConverter } from './temporal.js';

export const TEST_OPERATOR_KEY = 'test-operator-key-0123456789abcdef';

/** The real API app, wired as api/main.ts wires it, served on a random loopback port. */
export async function startTestApi(
  deps: { db: Database; temporal: Client; taskQueue: string; secrets?: SecretBox } & Partial<AppDependencies>,
) {
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const secrets = deps.secrets ?? testSecretBox();
  const harvestClientFor =
    deps.harvestClientFor ?? harvestClientFactory(new MemoryRateBudgetStore(), { timeoutMs: 5_000 });
  const connections =
    deps.connections ??
    createConnectionService({
      db: deps.db,
      secrets,
      gateway: createHarvestGateway(harvestClientFor),
      publicBaseUrl,
      upkeep: createConnectionUpkeep({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue }),
    });
  const app = createApp({
    log: pino({ level: 'silent' }),
    operatorApiKey: TEST_OPERATOR_KEY,
    bodyLimit: '100kb',
    catalogue: createCatalogueService({ db: deps.db }),
    // The codec of connectTestClient's and startTestWorker's data converter (same test keys).
    codec: testDataConverter().codec,
    // Test sandboxes listen on loopback ports: their completion URLs are plain http on 127.0.0.1.
    callbackSandboxHosts: ['127.0.0.1'],
    // Every JSON answer is checked against its route's declared schema (500 when they disagree).
    checkResponses: true,
    // Where people's links point (report links issued by operators): this server, as in production.
    publicBaseUrl,
    ...deps,
    harvestClientFor,
    secrets,
    connections,
  });
  const server = await listen(app, port);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_OPERATOR_KEY}`,
        'content-type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text
        ? (JSON.parse(text) as Record<string, unknown> & {
            error?: { code: string; message: string; field?: string };
          })
        : null,
    };
  };
  return { ...server, secrets, connections, call };
}
