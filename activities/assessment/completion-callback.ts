import { ApplicationFailure } from '@temporalio/common';
import { CompletionCallbackError, sendCompletionPatch } from '../../greenhouse/callback/index.js';
import type { SecretBox } from '../../security/secret-box.js';
import { secretPurpose } from '../../tenants/credentials.js';
import type { AssessmentDeps } from './context.js';
import type { AssessmentActivities } from './types.js';

/**
 * The completion PATCH to the URL Greenhouse gave in send_test (safe to repeat: Greenhouse then
 * reads test_status). Failures that can heal retry, after Retry-After when given; the rest stop
 * with the plain message.
 */
export function createCompletionActivities(
  deps: AssessmentDeps & { secrets: SecretBox; fetch?: typeof fetch },
): Pick<AssessmentActivities, 'sendCompletionPatch'> {
  return {
    async sendCompletionPatch({ journeyId }) {
      const journey = await deps.db.journey.findUniqueOrThrow({ where: { id: journeyId } });
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
      const credential = deps.secrets.decrypt(
        mode.callbackCredentialCiphertext,
        secretPurpose.callbackCredential(journey.tenantId),
      );
      try {
        await sendCompletionPatch({
          url: journey.callbackUrl,
          credential,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        });
        return { sent: true };
      } catch (err) {
        if (!(err instanceof CompletionCallbackError)) throw err;
        throw ApplicationFailure.create({
          message: err.message,
          type: `Completion${err.kind}`,
          nonRetryable: !err.retryable,
          ...(err.retryable && err.retryAfterMs !== null ? { nextRetryDelay: err.retryAfterMs } : {}),
        });
      }
    },
  };
}
