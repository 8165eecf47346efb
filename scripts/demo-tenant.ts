import { demoTests } from '../catalogue/demo-tests.js';
import { DEMO_PACKAGE_ID } from '../demo-vendor/package.js';
import type { Sandbox } from '../greenhouse-sandbox/index.js';

/** The operator API as the demo set-up calls it (409: already so, which is fine on a restart). */
const operatorCall =
  (args: { apiUrl: string; operatorKey: string }) => async (method: string, path: string, body?: unknown) => {
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

const DEMO_VENDOR_KEY_NAME = 'demo vendor';

/**
 * The local demo: a "demo" tenant connected to the sandbox's demo organisation through the real
 * operator API (the same calls an operator makes), with the demo test and reference check in its
 * catalogue, the sandbox pointed at our partner API, and vendor invites switched on. Safe on every start: each step is idempotent, and the partner
 * key is rotated because the in-memory sandbox forgets the previous one.
 */
export async function setUpDemoTenant(args: { apiUrl: string; operatorKey: string; sandbox: Sandbox }) {
  const call = operatorCall(args);
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

/**
 * An integration key for the demo vendor (the vendor API's credential). The demo vendor keeps
 * nothing between runs, so the previous run's key is revoked and a new one made.
 */
export async function demoVendorKey(args: { apiUrl: string; operatorKey: string }): Promise<string> {
  const call = operatorCall(args);
  const keys = (await call('GET', '/keys')).json as unknown as {
    id: string;
    name: string;
    revokedAt: string | null;
  }[];
  for (const key of keys.filter((k) => k.name === DEMO_VENDOR_KEY_NAME && !k.revokedAt))
    await call('POST', `/keys/${key.id}/revoke`);
  const created = await call('POST', '/keys', { name: DEMO_VENDOR_KEY_NAME, role: 'integration' });
  return String(created.json.key);
}

/**
 * The demo vendor's package (synced by the demo vendor itself) enabled on the demo tenant, its
 * `level` attribute written to a Greenhouse text custom field of the application.
 */
export async function enableDemoVendorPackage(args: {
  apiUrl: string;
  operatorKey: string;
  tenantId: string;
}) {
  const call = operatorCall(args);
  const path = `/tenants/${args.tenantId}/vendor-packages/${DEMO_PACKAGE_ID}`;
  await call('PUT', path, { enabled: true });
  const fields = (await call('GET', `/tenants/${args.tenantId}/greenhouse/custom-fields`)).json as {
    application?: { id: string; valueType: string; name: string }[];
  };
  const text = fields.application?.find((f) => f.valueType === 'short_text');
  if (text)
    await call('PUT', `${path}/attribute-mappings`, {
      mappings: [{ attribute: 'level', scope: 'application', custom_field_id: text.id }],
    });
  return { packageId: DEMO_PACKAGE_ID, levelField: text?.name ?? null };
}
