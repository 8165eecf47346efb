import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AcceptedVendorResult } from '../../domain/vendor/package.js';
import type { JourneyInputBase } from '../shared/contract.js';
import { journeyStateQuery, type JourneyStateBase } from '../shared/protocol.js';
import type { AssessmentPolicy } from '../assessment/contract.js';

/** A vendor-hosted journey (an order): the vendor's product runs the test, greenroom the rest. */
export interface VendorOrderJourneyInput extends JourneyInputBase {
  packageId: string;
  packageKind: 'assessment' | 'reference_check';
  policy: {
    deadlineDays: number;
    reminders: number[];
    applicationMatch: AssessmentPolicy['applicationMatch'];
  };
}

export interface VendorOrderJourneyState extends JourneyStateBase {
  deadlineAt: string | null;
  invitesSent: number;
  remindersSent: number;
  /** Hash of the accepted result request (canonical JSON + report bytes), once accepted. */
  resultHash: string | null;
  resultStatus: AcceptedVendorResult['status'] | null;
  scorePercent: number | null;
  passed: boolean | null;
}

// --- Messages -------------------------------------------------------------------------------------

/** The vendor's result, validated by the API against the pinned package version. */
export interface SubmitResultRequest {
  result: AcceptedVendorResult;
  /** SHA-256 of the request (canonical JSON + report bytes): the same again is a replay. */
  hash: string;
  /** 0–100 when the package has a score range, else null. */
  scorePercent: number | null;
}
export interface SubmitResultAnswer {
  accepted: true;
  /** False when this was the same request again. */
  created: boolean;
  result: AcceptedVendorResult;
}
/** The result in, synchronously: the validator refuses a closed order or a different second result. */
export const submitResultUpdate = defineUpdate<SubmitResultAnswer, [SubmitResultRequest]>('submitResult');
/** The vendor reported that the candidate started (or progressed): Greenhouse shows in_progress. */
export const orderStartedSignal = defineSignal<[]>('orderStarted');
export const vendorOrderStateQuery = defineQuery<VendorOrderJourneyState>(journeyStateQuery.name);

// --- Activities -----------------------------------------------------------------------------------

export type OrderMailPurpose = 'invite' | 'reminder' | 'expiry';
export type OrderClosedStatus = 'expired' | 'cancelled';

/** The order's own activities, each idempotent (events keyed by order and type). */
export interface VendorOrderActivities {
  /** Inserts the order row (package version, invite delivery) once and emits order.created. */
  beginOrder(input: { journeyId: string }): Promise<{ inviteDelivery: 'greenroom' | 'vendor' }>;
  /** One candidate e-mail once (greenroom delivery only); an invite issues the launch link. */
  sendOrderEmail(input: {
    journeyId: string;
    purpose: OrderMailPurpose;
    n: number;
    deadlineAt: string;
  }): Promise<{ sent: boolean }>;
  /** Stores the accepted result on the order (first hash wins) and emits result.accepted. */
  acceptOrderResult(input: { journeyId: string; result: AcceptedVendorResult; hash: string }): Promise<{
    accepted: boolean;
    result: AcceptedVendorResult;
  }>;
  /** Closes an open order (expired, cancelled) and emits order.expired / order.cancelled. */
  closeOrder(input: { journeyId: string; status: OrderClosedStatus; reason: string | null }): Promise<void>;
  /** Emits a write-back event: writeback.completed, or writeback.waiting for a step. */
  emitWritebackEvent(input: {
    journeyId: string;
    type: 'writeback.completed' | 'writeback.waiting';
    step: string | null;
    n: number;
  }): Promise<void>;
}
