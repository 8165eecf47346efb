import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { JourneyStatus } from '../../domain/journey.js';

export interface ProbeJourneyInput {
  journeyId: string;
  tenantId: string;
  /** How long the probe waits for the `complete` update before it expires. */
  deadlineSeconds: number;
}

export interface ProbeJourneyState {
  journeyId: string;
  status: JourneyStatus;
  /** Plain words for operators: what the journey is waiting for, or how it ended. */
  waitingFor: string | null;
  deadlineAt: string;
  completedBy: string | null;
}

export interface CompleteProbeRequest {
  completedBy: string;
}

export const completeProbeUpdate = defineUpdate<ProbeJourneyState, [CompleteProbeRequest]>('complete');
export const probeStateQuery = defineQuery<ProbeJourneyState>('state');
