import { createHash } from 'node:crypto';
import {
  createHarvestClient,
  type HarvestClient,
  type RateBudget,
  type RateBudgetStore,
} from '../greenhouse/harvest/index.js';
import type { ConnectionCredentials } from './greenhouse-gateway.js';
import type { HarvestClientContext } from './harvest-gateway.js';

/** One Harvest HTTP exchange of a tenant's client (status null: no answer), for metrics. */
export type HarvestCallObserver = (call: { tenantId: string | null; status: number | null }) => void;

/**
 * Harvest clients for tenants' stored credentials. Every client of one credential shares the one
 * rate budget passed in (a PostgreSQL store shares it across processes too). `onResponse` hears
 * every Harvest exchange with the tenant the client was built for (null when the caller did not say).
 */
export function harvestClientFactory(
  budget: RateBudget | RateBudgetStore,
  factoryOptions: { timeoutMs?: number; onResponse?: HarvestCallObserver } = {},
) {
  const { onResponse, ...clientOptions } = factoryOptions;
  // One client per credential and tenant, so every activity of this process shares its access token
  // (and the single in-flight token request): a client per call would ask Greenhouse's token
  // endpoint once per activity, and a few hundred journeys at once run into its rate limit.
  const clients = new Map<string, HarvestClient>();
  return (credentials: ConnectionCredentials, context: HarvestClientContext = {}): HarvestClient => {
    const key = clientKey(credentials, context.tenantId ?? null);
    const known = clients.get(key);
    if (known) return known;
    const client = build(credentials, context);
    if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    clients.set(key, client);
    return client;
  };

  function build(credentials: ConnectionCredentials, context: HarvestClientContext): HarvestClient {
    const tenantId = context.tenantId ?? null;
    const options = {
      ...clientOptions,
      ...(onResponse
        ? { onResponse: ({ status }: { status: number | null }) => onResponse({ tenantId, status }) }
        : {}),
    };
    return credentials.kind === 'v1_key'
      ? createHarvestClient({
          credentials: {
            kind: 'v1_key',
            apiKey: credentials.apiKey,
            onBehalfOf: credentials.auditUserId ? Number(credentials.auditUserId) : null,
          },
          baseUrl: credentials.harvestBaseUrl,
          budget,
          ...options,
        })
      : credentials.kind === 'v3_authorization_code'
        ? createHarvestClient({
            credentials: {
              kind: 'v3_authorization_code',
              clientId: credentials.clientId,
              clientSecret: credentials.clientSecret,
              tokenStore: credentials.tokenStore,
              tokenUrl: `${credentials.authBaseUrl.replace(/\/$/, '')}/token`,
              auditUserId: credentials.auditUserId ? Number(credentials.auditUserId) : null,
            },
            baseUrl: credentials.harvestBaseUrl,
            budget,
            ...options,
          })
        : createHarvestClient({
            credentials: {
              kind: 'v3_client_credentials',
              clientId: credentials.clientId,
              clientSecret: credentials.clientSecret,
              sub: Number(credentials.auditUserId),
              tokenUrl: `${credentials.authBaseUrl.replace(/\/$/, '')}/token`,
            },
            baseUrl: credentials.harvestBaseUrl,
            budget,
            ...options,
          });
  }
}

const MAX_CLIENTS = 1000;

/** The credential's identity, secret included (a rotated secret gets a new client), hashed. */
function clientKey(credentials: ConnectionCredentials, tenantId: string | null): string {
  const identity =
    credentials.kind === 'v1_key'
      ? [credentials.apiKey, credentials.auditUserId]
      : [credentials.authBaseUrl, credentials.clientId, credentials.clientSecret, credentials.auditUserId];
  return createHash('sha256')
    .update(JSON.stringify([credentials.kind, credentials.harvestBaseUrl, tenantId, ...identity]))
    .digest('hex');
}
