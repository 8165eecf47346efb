import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../greenhouse-sandbox/index.js';
import { MemoryRateBudgetStore } from '../../greenhouse/harvest/index.js';
import type { ConnectionCredentials } from '../../tenants/greenhouse-gateway.js';
import { harvestClientFactory } from '../../tenants/harvest-clients.js';

// Activities build a Harvest client per call; the factory must hand them one client per credential
// so that a burst of journeys asks Greenhouse's token endpoint once, not once per activity (the
// token endpoint has its own rate limit, which a bulk invite of a few hundred rows used to hit).
describe('Harvest clients per credential', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({
      // Legacy Harvest v1 (retired by Greenhouse): these tests keep the sandbox's "v1 still live" switch on.
      v1: 'live',
      orgs: [{ candidates: 10 }],
      rateLimit: { token: { limit: 5, windowMs: 60_000 } },
    });
  });
  afterAll(async () => sb?.close());

  const credentialsOf = (clientId: string, clientSecret: string): ConnectionCredentials => ({
    kind: 'v3_client_credentials',
    harvestBaseUrl: sb.url,
    authBaseUrl: sb.url,
    clientId,
    clientSecret,
    auditUserId: String(sb.orgs[0]!.siteAdmin.id),
  });

  it('40 concurrent activities of one tenant share one token request', async () => {
    const org = sb.orgs[0]!;
    const clientFor = harvestClientFactory(new MemoryRateBudgetStore());
    const credentials = credentialsOf(org.credentials.v3.clientId, org.credentials.v3.clientSecret);
    const application = org.org.applications.all()[0]!;
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        clientFor(credentials, { tenantId: 'ten_a' }).getApplication(application.id),
      ),
    );
    expect(answers.every((a) => a.id === application.id)).toBe(true);
    expect(sb.requestLog.list({ api: 'token', path: '/token' })).toHaveLength(1);
    expect(clientFor(credentials, { tenantId: 'ten_a' })).toBe(clientFor(credentials, { tenantId: 'ten_a' }));
  });

  it('a rotated secret or another tenant gets its own client', () => {
    const clientFor = harvestClientFactory(new MemoryRateBudgetStore());
    const a = clientFor(credentialsOf('c1', 's1'), { tenantId: 'ten_a' });
    expect(clientFor(credentialsOf('c1', 's2'), { tenantId: 'ten_a' })).not.toBe(a);
    expect(clientFor(credentialsOf('c1', 's1'), { tenantId: 'ten_b' })).not.toBe(a);
  });
});
