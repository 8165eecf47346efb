import type { Client } from '@temporalio/client';
import { greenhouseStopSignal } from '../../workflows/shared/protocol.js';

/** The journey protocol's stop: both workflows record the event as their stop reason, once. */
export async function signalGreenhouseStop(temporal: Client, journeyId: string, event: string) {
  await temporal.workflow.getHandle(journeyId).signal(greenhouseStopSignal, { event });
}
