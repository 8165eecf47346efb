import type { Sandbox, SeededOrg } from '../../greenhouse-sandbox/index.js';
import type { HarvestClient, HarvestClientOptions, RateBudgetStore } from '../../greenhouse/harvest/index.js';
import { createHarvestClient, MemoryRateBudgetStore, RateBudget } from '../../greenhouse/harvest/index.js';

export type Version = 'v1' | 'v3';

export interface ClientOpts extends Partial<Omit<HarvestClientOptions, 'credentials' | 'budget'>> {
  budget?: RateBudget | RateBudgetStore;
  /** v1 On-Behalf-Of / v3 sub (default: the org's Site Admin) */
  auditUserId?: number | null;
  /** v1 key (default: the seeded all-permission key) */
  apiKey?: string;
  /** v3 client (default: the seeded all-scope client) */
  clientId?: string;
  clientSecret?: string;
}

/** A client of the sandbox for one seeded org, v1 (Basic key) or v3 (client credentials). */
export function sandboxClient(
  sb: Sandbox,
  o: SeededOrg,
  version: Version,
  opts: ClientOpts = {},
): HarvestClient {
  const { budget, auditUserId, apiKey, clientId, clientSecret, ...rest } = opts;
  const audit = auditUserId === undefined ? o.siteAdmin.id : auditUserId;
  return createHarvestClient({
    baseUrl: sb.url,
    budget: budget ?? new RateBudget(new MemoryRateBudgetStore(), { pollMs: 50 }),
    windowMs: 1000,
    retryBaseDelayMs: 20,
    credentials:
      version === 'v1'
        ? { kind: 'v1_key', apiKey: apiKey ?? o.credentials.v1.key, onBehalfOf: audit }
        : {
            kind: 'v3_client_credentials',
            tokenUrl: `${sb.url}/token`,
            clientId: clientId ?? o.credentials.v3.clientId,
            clientSecret: clientSecret ?? o.credentials.v3.clientSecret,
            sub: audit ?? o.siteAdmin.id,
          },
    ...rest,
  });
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
