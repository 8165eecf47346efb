import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';

/** gRPC status NOT_FOUND, as the client reports it. */
const NOT_FOUND = 5;

/**
 * Creates `namespace` on a Temporal server that lacks it (the real server creates none; Temporal's
 * auto-setup image and the dev server do). Idempotent. Returns true when it created the namespace.
 */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  retentionDays: number,
): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if ((err as { code?: number }).code !== NOT_FOUND) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
    });
    return true;
  } catch (err) {
    // ALREADY_EXISTS: another set-up job won the race.
    if ((err as { code?: number }).code === 6) return false;
    throw err;
  }
}

/**
 * Runs `fn` until the new namespace is visible to it: servers cache namespaces and learn of a new
 * one within seconds, answering NOT_FOUND until then.
 */
export async function whenNamespaceVisible<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_FOUND || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
