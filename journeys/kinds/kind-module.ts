import type { Client } from '@temporalio/client';
import type { ZodType } from 'zod';
import type { Database } from '../../db/client.js';
import type { ResultField } from '../../domain/result-fields.js';
import type { JourneyInputBase } from '../../workflows/shared/contract.js';
import type { AssessmentPolicy } from '../../workflows/assessment/contract.js';

/**
 * The fixed shape of one journey kind (the pattern of temporalio/background-checks: one file per
 * kind). Every member is required, so a new kind that forgets a hook does not compile; every
 * kind-dependent place in the product asks the registry (./index.ts) instead of naming a kind.
 */
export interface JourneyKindModule<K extends string = string, D = unknown> {
  readonly kind: K;
  /** How messages name it: with its article ("a reference check") and short ("reference check"). */
  readonly label: { readonly withArticle: string; readonly short: string };
  /** Its catalogue entry: the definition an operator PUTs, and how one is recognised. */
  readonly catalogue: {
    /**
     * The definition's own `kind` field value for this kind; `undefined` for the one kind whose
     * definitions carry none (assessment tests predate the field).
     */
    readonly kindField: string | undefined;
    readonly schema: ZodType<D>;
    /** Who writes its entries: operators (PUT /operator/tests) or the vendor's product (/vendor/v1/packages). */
    readonly source: 'operator' | 'vendor';
  };
  /** Its Temporal workflow and the input it starts with (the pinned version's timing rules). */
  readonly workflow: {
    readonly type: string;
    input(definition: D, common: CommonWorkflowInput): unknown;
  };
  /** The result Greenhouse shows (score, pass/fail, note); thrown when there is none to write. */
  writeBackOutcome(db: Database, entry: { name: string; definition: D }, journeyId: string): Promise<Outcome>;
  /** Extra `test_status` metadata for the partner API (null: none). */
  testStatusMetadata(
    db: Database,
    journey: { id: string; status: string },
  ): Promise<Record<string, string> | null>;
  /** The result fields besides status, test name, completion and report link that it writes. */
  reconciliationFields(db: Database, journeyId: string): Promise<readonly ResultField[]>;
  /** Erasure: other workflows acting for this journey (e.g. referee requests) to stop as well. */
  eraseRelatedWorkflows(db: Database, journeyId: string): Promise<string[]>;
  /** Greenhouse rejected, hired, deleted or anonymised the candidate: stop this running journey. */
  stopOnGreenhouseEvent(temporal: Client, journeyId: string, event: string): Promise<void>;
  /** The private pages (link purposes) that serve this kind's journeys and check for it. */
  readonly pages: readonly KindPage[];
  /** Which kind-specific operator actions its workflow answers. */
  readonly operatorActions: Readonly<Record<KindOperatorAction, boolean>>;
  /** Kind-specific fields of the operator's journey detail ({} when none). */
  operatorDetail(db: Database, journeyId: string): Promise<Record<string, unknown>>;
}

export type KindPage = 'nominate';
export type KindOperatorAction = 'resend' | 'extend' | 'forceComplete';

/** The part of every workflow input that does not depend on the kind. */
export interface CommonWorkflowInput extends JourneyInputBase {
  applicationMatch: AssessmentPolicy['applicationMatch'];
}

/** What the write-back tells Greenhouse about a finished journey. */
export interface Outcome {
  testName: string;
  score: number | null;
  scoreText: string | null;
  /** Null: this kind never decides pass/fail. */
  passed: boolean | null;
  completedAt: Date;
  summary: string;
}
