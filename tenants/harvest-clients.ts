import {
  createHarvestClient,
  type HarvestClient,
  type RateBudget,
  type RateBudgetStore,
} from '../greenhouse/harvest/index.js';
import type { ConnectionCredentials } from './greenhouse-gateway.js';

/**
 * Harvest clients for tenants' stored credentials. Every client of one credential shares the one
 * rate budget passed in (a PostgreSQL store shares it across processes too).
 */
export function harvestClientFactory(
  budget: RateBudget | RateBudgetStore,
  options: { timeoutMs?: number } = {},
) {
  return (credentials: ConnectionCredentials): HarvestClient =>
    credentials.kind === 'v1_key'
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
