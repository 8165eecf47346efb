import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db/client.js';
import { CREDENTIAL_REFUSED_FAILURE } from '../domain/greenhouse-connection.js';
import { isHarvestError } from '../greenhouse/harvest/errors.js';
import { emitConnectionBroken } from '../vendor/connection-events.js';
import type { VendorEventSink } from '../vendor/event-types.js';

export type RefusedStatus = 'disconnected' | 'needs_consent';

export interface Refusal {
  status: RefusedStatus;
  /** plain words for operators: what happened and what to do */
  reason: string;
}

/** The stored connection a call was made with: a refusal only marks that one, not a newer one. */
export interface ConnectionSeen {
  tenantId: string;
  authKind: string;
  secretCiphertext: string;
}

export const RETIRED_V1_REASON =
  'Greenhouse retired Harvest v1 (removed on 2026-08-31) and no longer answers this API key: reconnect the customer on Harvest v3 (authorization code for partners, client credentials for their own integration)';

export const NEEDS_CONSENT_REASON =
  "Greenhouse refused to refresh the authorization (the customer's consent expired after 24 hours without a refresh, or was revoked): the customer's Greenhouse admin must consent again (POST /operator/tenants/<id>/greenhouse/authorization)";

/**
 * Whether an error means Greenhouse refused the tenant's credential itself (not a missing
 * permission, not a passing fault): a retired API, a rejected key or secret, a refused refresh.
 */
export function refusalOf(err: unknown, authKind: string): Refusal | null {
  if (!isHarvestError(err)) return null;
  if (err.kind === 'retired') return { status: 'disconnected', reason: RETIRED_V1_REASON };
  if (err.kind !== 'unauthorized' || err.permission) return null;
  if (authKind === 'v3_authorization_code' && err.operation === 'token')
    return { status: 'needs_consent', reason: NEEDS_CONSENT_REASON };
  return { status: 'disconnected', reason: `Greenhouse rejected the credential: ${err.message}` };
}

/**
 * Records the refusal on the connection and the tenant, unless the connection was replaced since
 * the call was made (an operator reconnected meanwhile: the old credential's refusal is stale).
 */
export async function recordRefusal(
  db: Database,
  seen: ConnectionSeen,
  refusal: Refusal,
  /** Tells the vendor (`connection.broken`, once per refused credential). */
  vendorEvents?: VendorEventSink,
): Promise<boolean> {
  const recorded = await db.$transaction(async (tx) => {
    const changed = await tx.greenhouseConnection.updateMany({
      where: { tenantId: seen.tenantId, secretCiphertext: seen.secretCiphertext },
      data: { status: refusal.status, statusReason: refusal.reason },
    });
    if (changed.count === 0) return false;
    await tx.tenant.update({ where: { id: seen.tenantId }, data: { status: 'disconnected' } });
    return true;
  });
  if (recorded && vendorEvents) await emitConnectionBroken(vendorEvents, seen, refusal.status);
  return recorded;
}

/** The activity failure a refused credential becomes: non-retryable, matched by workflows to wait. */
export function credentialRefusedFailure(reason: string): ApplicationFailure {
  return ApplicationFailure.create({ message: reason, type: CREDENTIAL_REFUSED_FAILURE, nonRetryable: true });
}
