import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { MemoryRateBudgetStore } from '../../greenhouse/harvest/index.js';
import { createConnectionService } from '../../tenants/connection-service.js';
import { harvestClientForTenant } from '../../tenants/harvest-client-for-tenant.js';
import { harvestClientFactory } from '../../tenants/harvest-clients.js';
import { createHarvestGateway } from '../../tenants/harvest-gateway.js';
import { testSecretBox } from '../helpers/activities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// The one Harvest client builder for a tenant's stored connection (write-back, reconciliation,
// candidate deletion): it labels calls with the tenant, and a refusal it meets marks the tenant.
describe('harvestClientForTenant', () => {
  let database: TestDatabase;
  let sb: Sandbox;
  const calls: (string | null)[] = [];
  const harvestClientFor = harvestClientFactory(new MemoryRateBudgetStore(), {
    timeoutMs: 5_000,
    onResponse: ({ tenantId }) => calls.push(tenantId),
  });
  const deps = () => ({ db: database.db, secrets: testSecretBox(), harvestClientFor });
  const service = () =>
    createConnectionService({
      ...deps(),
      gateway: createHarvestGateway(harvestClientFor),
      publicBaseUrl: 'http://127.0.0.1:1',
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    sb = await startSandbox({ orgs: [{ candidates: 2 }] });
  });
  afterAll(async () => {
    await sb?.close();
    await database?.drop();
  });

  const connectedTenant = async (slug: string) => {
    const org = sb.orgs[0]!;
    const { id } = await service().createTenant({ slug, name: slug });
    await service().connectGreenhouse(id, {
      kind: 'v3_client_credentials',
      clientId: org.credentials.v3.clientId,
      clientSecret: org.credentials.v3.clientSecret,
      auditUserId: String(org.siteAdmin.id),
      greenhouseHost: 'app.greenhouse.io',
      harvestBaseUrl: sb.url,
      authBaseUrl: sb.url,
    });
    return id;
  };

  it('is null for a tenant without a connection', async () => {
    const { id } = await service().createTenant({ slug: 'unconnected', name: 'Unconnected' });
    expect(await harvestClientForTenant(deps(), id)).toBeNull();
  });

  it('builds the client for the tenant: its calls carry the tenant id', async () => {
    const tenantId = await connectedTenant('labelled');
    const found = (await harvestClientForTenant(deps(), tenantId))!;
    expect(found.connection.status).toBe('connected');
    calls.length = 0;
    const application = sb.orgs[0]!.org.applications.all()[0]!;
    expect((await found.client.getApplication(application.id)).id).toBe(application.id);
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls)).toEqual(new Set([tenantId]));
  });

  it('a revoked credential it meets marks the tenant disconnected, with the reason', async () => {
    const tenantId = await connectedTenant('revoked');
    const credentialId = sb.orgs[0]!.credentials.v3.id;
    sb.credentials.revoke(credentialId);
    try {
      const found = (await harvestClientForTenant(deps(), tenantId))!;
      const application = sb.orgs[0]!.org.applications.all()[0]!;
      const err = await found.client.getApplication(application.id).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).not.toBeNull();
      // Not a refusal: nothing is marked.
      expect(await found.refused(new Error('socket hang up'))).toBeNull();
      expect(await database.db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).toMatchObject({
        status: 'active',
      });
      const refusal = await found.refused(err);
      expect(refusal).toMatchObject({
        status: 'disconnected',
        reason: expect.stringMatching(/rejected the credential/),
      });
      expect(await database.db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).toMatchObject({
        status: 'disconnected',
      });
      expect(await database.db.greenhouseConnection.findUniqueOrThrow({ where: { tenantId } })).toMatchObject(
        { status: 'disconnected', statusReason: expect.stringMatching(/rejected the credential/) },
      );
    } finally {
      sb.credentials.restore(credentialId);
    }
  });
});
