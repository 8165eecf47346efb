import { demoTests } from '../catalogue/demo-tests.js';
import type { Sandbox } from '../greenhouse-sandbox/index.js';

/**
 * The local demo: a "demo" tenant connected to the sandbox's demo organisation through the real
 * operator API (the same calls an operator makes), with the demo test and reference check in its
 * catalogue, the sandbox pointed at our partner API, and vendor invites switched on. Safe on every start: each step is idempotent, and the partner
 * key is rotated because the in-memory sandbox forgets the previous one.
 */
export async function setUpDemoTenant(args: { apiUrl: string; operatorKey: string; sandbox: Sandbox }) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${args.apiUrl}/operator${path}`, {
      method,
      headers: { authorization: `Bearer ${args.operatorKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok && res.status !== 409)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return { status: res.status, json };
  };
  const org = args.sandbox.orgs[0]!;
  const existing = (await call('GET', '/tenants?slug=demo')).json as unknown as { id: string }[];
  const tenantId =
    existing[0]?.id ??
    String((await call('POST', '/tenants', { slug: 'demo', name: 'Demo Organisation' })).json.id);
  await call('PUT', `/tenants/${tenantId}/greenhouse`, {
    kind: 'v3_client_credentials',
    clientId: org.credentials.v3.clientId,
    clientSecret: org.credentials.v3.clientSecret,
    auditUserId: org.siteAdmin.id,
    greenhouseHost: new URL(args.sandbox.url).host,
    harvestBaseUrl: args.sandbox.url,
    authBaseUrl: args.sandbox.url,
  });
  for (const test of demoTests) await call('PUT', `/tenants/${tenantId}/tests/${test.testId}`, test);
  const callbackKey = `callback_org${org.org.id}`;
  const mode = await call('POST', `/tenants/${tenantId}/modes/greenhouse_invite/activate`, {
    callbackCredential: callbackKey,
    rotate: true,
  });
  // Operators may also invite from our side (one candidate, or a CSV with `greenroom invite bulk`).
  await call('POST', `/tenants/${tenantId}/modes/vendor_invite/activate`, {});
  await args.sandbox.admin.configureIntegration(org.org.id, {
    partnerApi: { baseUrl: `${args.apiUrl}/partner`, apiKey: String(mode.json.partnerApiKey) },
    callbackAuth: { kind: 'basic_key', key: callbackKey },
  });
  const application = args.sandbox.state.org(org.org.id)!.applications.all()[0]!;
  return { tenantId, orgId: org.org.id, applicationId: application.id, testId: demoTests[0]!.testId };
}
