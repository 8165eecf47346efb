import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db/client.js';
import { journeysOf } from '../db/repositories/journeys.js';
import { CALLBACK_CREDENTIAL_REFUSED_FAILURE } from '../domain/greenhouse-connection.js';
import {
  checkCallbackUrl,
  CompletionCallbackError,
  guardedFetch,
  sendCompletionPatch,
  type Resolver,
} from '../greenhouse/callback/index.js';
import type { SecretBox } from '../security/secret-box.js';
import { tenantCallbackHosts } from '../tenants/callback-hosts.js';
import { secretPurpose } from '../tenants/credentials.js';
import type { AssessmentDeps } from './journey-context.js';
import type { WritebackActivities } from '../workflows/shared/contract.js';

const failureOf = (err: CompletionCallbackError) =>
  ApplicationFailure.create({
    message: err.message,
    type: `Completion${err.kind}`,
    nonRetryable: !err.retryable,
    ...(err.retryable && err.retryAfterMs !== null ? { nextRetryDelay: err.retryAfterMs } : {}),
  });

/**
 * Greenhouse refused the callback credential: the mode remembers it (operators see it, and setting
 * a new credential resumes the waiting journeys) and the journey waits for a new one. When the
 * credential was replaced since this call read it, the refusal is stale: retry with the new one.
 */
async function callbackRefused(
  db: Database,
  tenantId: string,
  seenCiphertext: string,
  err: CompletionCallbackError,
): Promise<ApplicationFailure> {
  const reason = `Greenhouse refused the completion-callback credential (HTTP ${String(err.status)}): ask the customer for the current one and set it on greenhouse_invite`;
  const marked = await db.tenantMode.updateMany({
    where: { tenantId, mode: 'greenhouse_invite', callbackCredentialCiphertext: seenCiphertext },
    data: { callbackRefusalReason: reason },
  });
  if (marked.count === 0)
    return ApplicationFailure.retryable('the callback credential was replaced meanwhile', 'CompletionRetry');
  // The first refusal's time is kept, so operators see since when.
  await db.tenantMode.updateMany({
    where: {
      tenantId,
      mode: 'greenhouse_invite',
      callbackCredentialCiphertext: seenCiphertext,
      callbackRefusedAt: null,
    },
    data: { callbackRefusedAt: new Date() },
  });
  return ApplicationFailure.create({
    message: reason,
    type: CALLBACK_CREDENTIAL_REFUSED_FAILURE,
    nonRetryable: true,
  });
}

/**
 * The completion PATCH to the URL Greenhouse gave in send_test (safe to repeat: Greenhouse then
 * reads test_status). The URL is checked again before the credential is attached (the tenant's
 * hosts may have changed; journeys stored before the check existed are refused here too), and the
 * connection goes through guardedFetch, which checks the address actually connected to. Failures
 * that can heal retry, after Retry-After when given; a refused credential (401/403) makes the
 * journey wait for a new one; the rest stop with the plain message.
 */
export function createCompletionActivities(
  deps: AssessmentDeps & {
    secrets: SecretBox;
    fetch?: typeof fetch;
    callbackSandboxHosts?: readonly string[];
    callbackResolve?: Resolver;
  },
): Pick<WritebackActivities, 'sendCompletionPatch'> {
  const sandboxHosts = deps.callbackSandboxHosts ?? [];
  const resolve = deps.callbackResolve ? { resolve: deps.callbackResolve } : {};
  const doFetch = deps.fetch ?? guardedFetch({ sandboxHosts, ...resolve });
  return {
    async sendCompletionPatch({ journeyId }) {
      const journey = await journeysOf(deps).getWithTenantOrThrow(journeyId);
      if (!journey.callbackUrl) return { sent: false };
      const mode = await deps.db.tenantMode.findUnique({
        where: { tenantId_mode: { tenantId: journey.tenantId, mode: 'greenhouse_invite' } },
      });
      if (!mode?.callbackCredentialCiphertext) {
        throw ApplicationFailure.nonRetryable(
          'no completion-callback credential is configured for this tenant: add it when activating greenhouse_invite',
          'CallbackCredentialMissing',
        );
      }
      try {
        await checkCallbackUrl(journey.callbackUrl, {
          allowedHosts: tenantCallbackHosts(journey.tenant),
          sandboxHosts,
          ...resolve,
        });
      } catch (err) {
        if (err instanceof CompletionCallbackError) throw failureOf(err);
        throw err;
      }
      const credential = deps.secrets.decrypt(
        mode.callbackCredentialCiphertext,
        secretPurpose.callbackCredential(journey.tenantId),
      );
      try {
        await sendCompletionPatch({ url: journey.callbackUrl, credential, fetch: doFetch });
        // Accepted: a refusal recorded for this credential is over (the customer took it back on
        // their side and a reconnect retried it), so the mode stops saying it is refused.
        if (mode.callbackRefusedAt)
          await deps.db.tenantMode.updateMany({
            where: {
              tenantId: journey.tenantId,
              mode: 'greenhouse_invite',
              callbackCredentialCiphertext: mode.callbackCredentialCiphertext,
            },
            data: { callbackRefusedAt: null, callbackRefusalReason: null },
          });
        return { sent: true };
      } catch (err) {
        if (!(err instanceof CompletionCallbackError)) throw err;
        if (err.kind === 'unauthorized' || err.kind === 'forbidden')
          throw await callbackRefused(deps.db, journey.tenantId, mode.callbackCredentialCiphertext, err);
        throw failureOf(err);
      }
    },
  };
}
