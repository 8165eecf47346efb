import type { WorkflowHandle } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { z } from 'zod';
import { scrubMessage } from '../observability/redact.js';

/** One activity Temporal has scheduled or is retrying for a journey, in an operator's words. */
export const PendingStep = z.object({
  /** The activity, e.g. sendCandidateEmail, requestGrading, attachReport. */
  step: z.string(),
  /** scheduled (waiting for a worker or for its next retry), running, or cancel_requested. */
  state: z.enum(['scheduled', 'running', 'cancel_requested']),
  /** The attempt under way or next (1 for the first). */
  attempt: z.number().int(),
  /** Why the previous attempt failed (addresses removed); null before any failure. */
  lastFailure: z.string().nullable(),
  /** Whether that failure will be retried (false: the step gave up). */
  willRetry: z.boolean(),
  /** When the next attempt starts (backing off after a failure), or null when one runs or is due now. */
  nextAttemptAt: z.string().nullable(),
  lastStartedAt: z.string().nullable(),
  scheduledAt: z.string().nullable(),
});
export type PendingStep = z.infer<typeof PendingStep>;

/** "Why is this journey stuck": its declared wait joined with what Temporal is still working on. */
export const StuckView = z.object({
  /** What the workflow says it waits for (its last declared wait). */
  waitingFor: z.string().nullable(),
  pending: z.array(PendingStep),
  /** One line joining both, e.g. "sendCandidateEmail is retrying (attempt 7): SMTP deferred … (451)". */
  summary: z.string().nullable(),
});
export type StuckView = z.infer<typeof StuckView>;

const states = { 1: 'scheduled', 2: 'running', 3: 'cancel_requested' } as const;
/** A protobuf Timestamp (seconds may be a Long) as ISO text. */
const iso = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) => {
  const s = ts?.seconds as { toNumber?: () => number } | number | null | undefined;
  if (s == null) return null;
  const seconds = typeof s === 'object' && s.toNumber ? s.toNumber() : Number(s);
  return new Date(seconds * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6)).toISOString();
};

/** Temporal's pending activities of the journey's workflow; [] when it has finished or cannot answer. */
export async function pendingSteps(handle: WorkflowHandle, timeoutMs = 3000): Promise<PendingStep[]> {
  try {
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref());
    const described = await Promise.race([handle.describe(), timeout]);
    // Failure messages are encrypted (encodeCommonAttributes): decode them with the client's converter.
    const converter = handle.client.options.loadedDataConverter;
    const pending = described?.raw.pendingActivities ?? [];
    const failures = await Promise.all(
      pending.map((a) =>
        decodeOptionalFailureToOptionalError(converter, a.lastFailure).catch(() => undefined),
      ),
    );
    return pending.map((a, i) => ({
      step: a.activityType?.name ?? 'unknown',
      state: states[(a.state ?? 1) as keyof typeof states] ?? 'scheduled',
      attempt: a.attempt ?? 1,
      lastFailure: failures[i]?.message ? scrubMessage(failures[i]!.message) : null,
      willRetry: !a.lastFailure?.applicationFailureInfo?.nonRetryable,
      nextAttemptAt: iso(a.nextAttemptScheduleTime),
      lastStartedAt: iso(a.lastStartedTime),
      scheduledAt: iso(a.scheduledTime),
    }));
  } catch {
    return [];
  }
}

/** Joins the declared wait with the pending steps into the view operators read. */
export function stuckView(waitingFor: string | null, pending: PendingStep[]): StuckView {
  const failing = pending.find((p) => p.lastFailure !== null);
  const summary = failing
    ? `${failing.step} is retrying (attempt ${failing.attempt}${
        failing.nextAttemptAt ? `, next at ${failing.nextAttemptAt}` : ''
      }): ${failing.lastFailure}`
    : waitingFor
      ? `waiting for ${waitingFor}`
      : null;
  return { waitingFor, pending, summary };
}
