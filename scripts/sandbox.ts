/**
 * Standalone Greenhouse sandbox for the local demo and benchmarks: `npm run sandbox`.
 *
 * Environment:
 *   SANDBOX_PORT (default 4010), SANDBOX_HOST (default 127.0.0.1), SANDBOX_PUBLIC_URL,
 *   SANDBOX_ORGS (default 1), SANDBOX_CANDIDATES (per org, default 50), SANDBOX_JOBS (default 3),
 *   SANDBOX_RATE_LIMIT_V1 / SANDBOX_RATE_LIMIT_V3 (requests per window),
 *   SANDBOX_PARTNER_URL + SANDBOX_PARTNER_KEY (our partner API for every org),
 *   SANDBOX_WEBHOOK_URL + SANDBOX_WEBHOOK_SECRET, SANDBOX_CALLBACK_KEY,
 *   SANDBOX_WEBHOOK_RETRY_SCALE (multiplier on the real ~15 h retry schedule, default 0.001 → ~53 s),
 *   SANDBOX_LEGACY_POLL_MS (legacy test_status polling interval; off by default),
 *   SANDBOX_READINGS (unconfirmed readings, e.g. "v3StageId=job_stage,v3NonAdminLists=forbidden";
 *   default: today's reading of each, see greenhouse-sandbox/assumptions.ts).
 *   SANDBOX_V1 (`retired` by default, as Greenhouse today; `live` keeps legacy Harvest v1 answering).
 * Prints one JSON summary (URL, per-org credentials) on stdout; stops on SIGINT/SIGTERM.
 */
import { parseReadings, startSandbox } from '../greenhouse-sandbox/index.js';

const env = process.env;
const int = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);

const nOrgs = int(env.SANDBOX_ORGS, 1);
const started = Date.now();
const sb = await startSandbox({
  readings: parseReadings(env.SANDBOX_READINGS),
  port: int(env.SANDBOX_PORT, 4010),
  host: env.SANDBOX_HOST ?? '127.0.0.1',
  ...(env.SANDBOX_PUBLIC_URL ? { publicUrl: env.SANDBOX_PUBLIC_URL } : {}),
  orgs: Array.from({ length: nOrgs }, (_, i) => ({
    name: `Demo Org ${i + 1}`,
    candidates: int(env.SANDBOX_CANDIDATES, 50),
    jobs: int(env.SANDBOX_JOBS, 3),
  })),
  ...(env.SANDBOX_LEGACY_POLL_MS
    ? { legacyPolling: { intervalMs: int(env.SANDBOX_LEGACY_POLL_MS, 3_600_000) } }
    : {}),
  ...(env.SANDBOX_V1 === 'live' ? { v1: 'live' as const } : {}),
  webhooks: { retryScale: env.SANDBOX_WEBHOOK_RETRY_SCALE ? Number(env.SANDBOX_WEBHOOK_RETRY_SCALE) : 0.001 },
  rateLimit: {
    ...(env.SANDBOX_RATE_LIMIT_V1 ? { v1: { limit: int(env.SANDBOX_RATE_LIMIT_V1, 50) } } : {}),
    ...(env.SANDBOX_RATE_LIMIT_V3 ? { v3: { limit: int(env.SANDBOX_RATE_LIMIT_V3, 50) } } : {}),
  },
});

for (const o of sb.orgs) {
  await sb.admin.configureIntegration(o.org.id, {
    ...(env.SANDBOX_PARTNER_URL
      ? { partnerApi: { baseUrl: env.SANDBOX_PARTNER_URL, apiKey: env.SANDBOX_PARTNER_KEY ?? 'partner-key' } }
      : {}),
    ...(env.SANDBOX_CALLBACK_KEY
      ? { callbackAuth: { kind: 'basic_key' as const, key: env.SANDBOX_CALLBACK_KEY } }
      : {}),
    ...(env.SANDBOX_WEBHOOK_URL
      ? { webhook: { url: env.SANDBOX_WEBHOOK_URL, secret: env.SANDBOX_WEBHOOK_SECRET ?? 'webhook-secret' } }
      : {}),
  });
}

const summary = {
  url: sb.url,
  seededInMs: Date.now() - started,
  orgs: sb.orgs.map((o) => ({
    id: o.org.id,
    name: o.org.name,
    candidates: o.org.candidates.size,
    siteAdminUserId: o.siteAdmin.id,
    v1Key: o.credentials.v1.key,
    v3: {
      clientId: o.credentials.v3.clientId,
      clientSecret: o.credentials.v3.clientSecret,
      tokenUrl: `${sb.url}/token`,
    },
    callbackKey:
      o.org.integration.callbackAuth.kind === 'basic_key' ? o.org.integration.callbackAuth.key : null,
  })),
  admin: `${sb.url}/_sandbox`,
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);

const stop = async () => {
  await sb.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
