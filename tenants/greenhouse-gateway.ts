import { ServiceError } from '../domain/errors.js';
import type { TokenStore } from '../greenhouse/harvest/auth.js';
import type { Capability, PermissionReport } from '../greenhouse/harvest/permissions.js';
import type { CustomFieldDefinition } from '../domain/result-fields.js';

/**
 * What connecting a tenant needs from Greenhouse, independent of the Harvest version. The
 * implementation (tenants/harvest-gateway.ts) builds a Harvest client from the credentials.
 */
export type ConnectionCredentials =
  | {
      kind: 'v3_client_credentials';
      harvestBaseUrl: string;
      authBaseUrl: string;
      clientId: string;
      clientSecret: string;
      /** The `sub` user; v3 list endpoints need a Site Admin. */
      auditUserId: string;
    }
  | {
      kind: 'v3_authorization_code';
      harvestBaseUrl: string;
      authBaseUrl: string;
      clientId: string;
      clientSecret: string;
      /** The consenting user (the tokens' sub). */
      auditUserId: string | null;
      /** Where the rotating refresh token lives (encrypted in the tenant's connection row). */
      tokenStore: TokenStore;
    }
  | { kind: 'v1_key'; harvestBaseUrl: string; apiKey: string; auditUserId: string | null };

export interface GreenhouseUser {
  id: string;
  name: string;
  email: string | null;
  siteAdmin: boolean;
  disabled: boolean;
}

export type { Capability, PermissionReport } from '../greenhouse/harvest/permissions.js';

export interface GreenhouseGateway {
  /** Proves the credential works; rejects with a HarvestError naming the cause otherwise. */
  verify(credentials: ConnectionCredentials): Promise<void>;
  listUsers(credentials: ConnectionCredentials): Promise<GreenhouseUser[]>;
  listCustomFields(
    credentials: ConnectionCredentials,
    scope: 'application' | 'candidate',
  ): Promise<CustomFieldDefinition[]>;
  checkPermissions(credentials: ConnectionCredentials, needs: Capability[]): Promise<PermissionReport>;
}

/** What both modes that find and update the candidate themselves (vendor invite, webhook) need. */
const writesFromOurSide: Capability[] = [
  'list_jobs',
  'list_job_stages',
  'get_candidates',
  'get_applications',
  'update_applications',
  'update_candidates',
  'add_notes',
  'add_attachments',
  'list_users',
];

/** The Harvest capabilities each integration mode relies on (greenhouse.md §3.4). */
export const capabilitiesByMode: Record<
  'greenhouse_invite' | 'vendor_invite' | 'webhook_trigger',
  Capability[]
> = {
  greenhouse_invite: [
    'get_applications',
    'update_applications',
    'add_notes',
    'add_attachments',
    'list_users',
  ],
  vendor_invite: [...writesFromOurSide, 'list_custom_fields'],
  webhook_trigger: [...writesFromOurSide, 'move_applications'],
};

/** Greenhouse refused the credential itself (revoked key, wrong secret): the tenant is disconnected. */
export class CredentialRejectedError extends ServiceError {
  override name = 'CredentialRejectedError';
  constructor(
    message: string,
    field?: string,
    /** Greenhouse answered that the API itself is retired (Harvest v1) */
    readonly retired = false,
  ) {
    super('invalid', message, field);
  }
}
