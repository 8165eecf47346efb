import type { z } from 'zod';
import { ServiceError } from '../../domain/errors.js';
import { MemoryTokenStore, V3AuthorizationCodeAuth } from '../../greenhouse/harvest/auth.js';
import { isHarvestError } from '../../greenhouse/harvest/errors.js';
import { GREENROOM_V3_SCOPES } from '../../greenhouse/harvest/scopes.js';
import { generateToken, hashToken } from '../../security/tokens.js';
import { RETIRED_V1_REASON } from '../credential-refusal.js';
import { secretPurpose } from '../credentials.js';
import { CredentialRejectedError, type ConnectionCredentials } from '../greenhouse-gateway.js';
import type { ConnectGreenhouseBody, StartAuthorizationBody } from '../schemas.js';
import { refreshTokenAad } from '../token-store.js';
import { requireTenant, type ConnectionDeps } from './deps.js';

/** Said to the operator whenever a v1 key is still accepted. */
export const V1_RETIREMENT_WARNING =
  'Harvest v1 was retired by Greenhouse on 2026-08-31: this key still answers today but may stop at any moment. Reconnect this customer on Harvest v3 (authorization code for partners: POST /operator/tenants/<id>/greenhouse/authorization).';

/** How long an operator-started consent may take before its state expires. */
const AUTHORIZATION_TTL_MS = 30 * 60_000;
export const AUTHORIZATION_CALLBACK_PATH = '/oauth/greenhouse/callback';

/**
 * Connecting a tenant to Greenhouse: a key or client credentials the operator pastes, or the v3
 * authorization-code consent of the customer's admin. Nothing is stored before Greenhouse accepts it.
 */
export function createGreenhouseConsent({
  db,
  secrets,
  gateway,
  publicBaseUrl,
  fetch = globalThis.fetch,
  upkeep,
}: ConnectionDeps) {
  return {
    /** Connects (or reconnects) Greenhouse: proves the credential first, then stores it encrypted. */
    async connectGreenhouse(tenantId: string, body: ConnectGreenhouseBody) {
      await requireTenant(db, tenantId);
      const credentials: ConnectionCredentials =
        body.kind === 'v1_key'
          ? {
              kind: 'v1_key',
              harvestBaseUrl: body.harvestBaseUrl,
              apiKey: body.apiKey,
              auditUserId: body.auditUserId ?? null,
            }
          : {
              kind: 'v3_client_credentials',
              harvestBaseUrl: body.harvestBaseUrl,
              authBaseUrl: body.authBaseUrl,
              clientId: body.clientId,
              clientSecret: body.clientSecret,
              auditUserId: body.auditUserId,
            };
      // Nothing is saved unless Greenhouse accepts it. A v1 key is a probe: v1 is retired.
      await gateway.verify(credentials).catch((err: unknown) => {
        if (body.kind === 'v1_key' && err instanceof CredentialRejectedError && err.retired)
          throw new ServiceError(
            'invalid',
            `${RETIRED_V1_REASON}. Start the v3 consent with POST /operator/tenants/${tenantId}/greenhouse/authorization.`,
            'kind',
          );
        throw err;
      });
      const secret = body.kind === 'v1_key' ? body.apiKey : body.clientSecret;
      const data = {
        authKind: body.kind,
        greenhouseHost: body.greenhouseHost,
        harvestBaseUrl: body.harvestBaseUrl,
        authBaseUrl: body.kind === 'v1_key' ? null : body.authBaseUrl,
        clientId: body.kind === 'v1_key' ? null : body.clientId,
        secretCiphertext: secrets.encrypt(secret, secretPurpose.harvestSecret(tenantId)),
        refreshTokenCiphertext: null,
        auditUserId: body.auditUserId ?? null,
        status: 'connected' as const,
        statusReason: null,
      };
      await db.$transaction([
        db.greenhouseConnection.upsert({ where: { tenantId }, create: { tenantId, ...data }, update: data }),
        db.tenant.update({ where: { id: tenantId }, data: { status: 'active' } }),
      ]);
      const after = upkeep ? await upkeep.connected(tenantId, body.kind) : { resumed: 0, warnings: [] };
      const warnings = [...(body.kind === 'v1_key' ? [V1_RETIREMENT_WARNING] : []), ...after.warnings];
      return { connected: true, authKind: body.kind, resumedJourneys: after.resumed, warnings };
    },

    /**
     * Starts the v3 authorization-code flow: returns the Greenhouse consent URL for the customer's
     * admin. The client secret waits, encrypted, until the callback; the state is kept as a hash.
     */
    async startAuthorization(tenantId: string, body: z.infer<typeof StartAuthorizationBody>) {
      await requireTenant(db, tenantId);
      const state = generateToken('grst');
      const redirectUri = `${publicBaseUrl}${AUTHORIZATION_CALLBACK_PATH}`;
      const expiresAt = new Date(Date.now() + AUTHORIZATION_TTL_MS);
      await db.greenhouseAuthorization.create({
        data: {
          stateHash: hashToken(state),
          tenantId,
          clientId: body.clientId,
          secretCiphertext: secrets.encrypt(body.clientSecret, secretPurpose.pendingSecret(state)),
          greenhouseHost: body.greenhouseHost,
          harvestBaseUrl: body.harvestBaseUrl,
          authBaseUrl: body.authBaseUrl,
          redirectUri,
          expiresAt,
        },
      });
      const url = new URL(`${body.authBaseUrl.replace(/\/$/, '')}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: body.clientId,
        redirect_uri: redirectUri,
        // Greenhouse's consent needs the scopes, space-separated.
        scope: (body.scopes ?? GREENROOM_V3_SCOPES).join(' '),
        state,
      }).toString();
      return { authorizeUrl: url.toString(), redirectUri, expiresAt };
    },

    /** The consent came back: trade the code for tokens, store them encrypted, connect the tenant. */
    async completeAuthorization(query: {
      state: string;
      code?: string | undefined;
      error?: string | undefined;
    }) {
      const pending = await db.greenhouseAuthorization.findUnique({
        where: { stateHash: hashToken(query.state) },
      });
      if (!pending || pending.expiresAt.getTime() < Date.now()) {
        throw new ServiceError(
          'invalid',
          'this Greenhouse authorization link is unknown or has expired: start again',
          'state',
        );
      }
      // One use only, whatever happens next.
      await db.greenhouseAuthorization.delete({ where: { stateHash: pending.stateHash } });
      if (query.error || !query.code) {
        throw new ServiceError(
          'invalid',
          `Greenhouse did not grant access (${query.error ?? 'no code'})`,
          'code',
        );
      }
      const clientSecret = secrets.decrypt(
        pending.secretCiphertext,
        secretPurpose.pendingSecret(query.state),
      );
      const tokens = await exchangeCode(fetch, pending, clientSecret, query.code);
      const tenantId = pending.tenantId;
      const data = {
        authKind: 'v3_authorization_code' as const,
        greenhouseHost: pending.greenhouseHost,
        harvestBaseUrl: pending.harvestBaseUrl,
        authBaseUrl: pending.authBaseUrl,
        clientId: pending.clientId,
        secretCiphertext: secrets.encrypt(clientSecret, secretPurpose.harvestSecret(tenantId)),
        refreshTokenCiphertext: secrets.encrypt(JSON.stringify(tokens.stored), refreshTokenAad(tenantId)),
        auditUserId: tokens.sub,
        status: 'connected' as const,
        statusReason: null,
      };
      await db.$transaction([
        db.greenhouseConnection.upsert({ where: { tenantId }, create: { tenantId, ...data }, update: data }),
        db.tenant.update({ where: { id: tenantId }, data: { status: 'active' } }),
      ]);
      const tenant = await db.tenant.findUniqueOrThrow({
        where: { id: tenantId },
        select: { id: true, name: true },
      });
      const after = upkeep
        ? await upkeep.connected(tenantId, 'v3_authorization_code')
        : { resumed: 0, warnings: [] };
      return {
        tenantId: tenant.id,
        tenantName: tenant.name,
        auditUserId: tokens.sub,
        resumedJourneys: after.resumed,
        warnings: after.warnings,
      };
    },
  };
}

/**
 * Trades the consent code for the first tokens with the Harvest client's own token logic (same
 * errors, no secrets in messages), kept in memory until the connection row is written.
 */
async function exchangeCode(
  fetchFn: typeof fetch,
  pending: { clientId: string; authBaseUrl: string; redirectUri: string },
  clientSecret: string,
  code: string,
) {
  const tokenStore = new MemoryTokenStore();
  const auth = new V3AuthorizationCodeAuth({
    tokenUrl: `${pending.authBaseUrl.replace(/\/$/, '')}/token`,
    clientId: pending.clientId,
    clientSecret,
    tokenStore,
    fetch: fetchFn,
    timeoutMs: 15_000,
  });
  try {
    await auth.exchangeCode(code, pending.redirectUri);
  } catch (err) {
    if (!isHarvestError(err)) throw err;
    if (err.retryable) {
      throw new ServiceError(
        'upstream_unavailable',
        `Greenhouse could not complete the authorization: ${err.message}`,
      );
    }
    throw new ServiceError('invalid', `Greenhouse refused the authorization code: ${err.message}`, 'code');
  }
  const stored = (await tokenStore.load())!;
  return { sub: stored.accessToken ? subjectOf(stored.accessToken) : null, stored };
}

/** The consenting user's id from the access token (a JWT from Greenhouse over TLS; read, not verified). */
function subjectOf(jwt: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    return payload.sub === undefined || payload.sub === null ? null : String(payload.sub);
  } catch {
    return null;
  }
}
