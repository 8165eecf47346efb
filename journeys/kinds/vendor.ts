import { VendorPackageDefinition, type AcceptedVendorResult } from '../../domain/vendor/package.js';
import type { VendorOrderJourneyInput } from '../../workflows/vendor-order/contract.js';
import type { JourneyKindModule } from './kind-module.js';
import { signalGreenhouseStop } from './stop.js';

type Referees = NonNullable<AcceptedVendorResult['referees']>;
const completionOf = (r: Referees) => (r.completed >= r.requested ? 'complete' : 'partial');
const refereeLine = (r: Referees) =>
  `${r.completed} of ${r.requested} referees answered (${completionOf(r)})`;

/**
 * A package hosted by the vendor's own product (a test or a reference check): the journey is an
 * order the vendor fulfils through the vendor API; greenroom invites, launches and writes back.
 */
export const vendorKind = {
  kind: 'vendor_hosted',
  label: { withArticle: 'a vendor-hosted test', short: 'vendor-hosted test' },
  catalogue: { kindField: 'vendor_hosted', schema: VendorPackageDefinition, source: 'vendor' },
  workflow: {
    type: 'vendorOrderJourney',
    input(d, { applicationMatch, ...ids }): VendorOrderJourneyInput {
      return {
        ...ids,
        packageId: d.packageId,
        packageKind: d.packageKind,
        policy: { deadlineDays: d.deadlineDays, reminders: d.reminders, applicationMatch },
      };
    },
  },
  async writeBackOutcome(db, entry, journeyId) {
    const order = await db.vendorOrder.findUniqueOrThrow({ where: { journeyId } });
    const result = order.result as AcceptedVendorResult | null;
    if (!result || !order.resultAcceptedAt) throw new Error(`order ${journeyId} has no result to write`);
    const range = entry.definition.result.score;
    const scoreText =
      result.score === null ? null : range ? `${result.score} / ${range.max}` : String(result.score);
    const verdict = result.passed === null ? '' : result.passed ? ' (passed)' : ' (did not pass)';
    const referees = result.referees ? `, ${refereeLine(result.referees)}` : '';
    return {
      testName: entry.name,
      score: result.score,
      scoreText,
      passed: result.passed,
      completedAt: result.completed_at ? new Date(result.completed_at) : order.resultAcceptedAt,
      summary: `${entry.name}: ${result.status}${scoreText ? `, ${scoreText}` : ''}${referees}${verdict}.`,
    };
  },
  /** A reference check's referee count and completion, as the built-in one shows them. */
  async testStatusMetadata(db, journey) {
    if (journey.status !== 'complete') return null;
    const order = await db.vendorOrder.findUnique({ where: { journeyId: journey.id } });
    const referees = (order?.result as AcceptedVendorResult | null | undefined)?.referees;
    if (!referees) return null;
    return {
      'Referees answered': `${referees.completed} of ${referees.requested} requested`,
      Completion: completionOf(referees),
    };
  },
  reconciliationFields: () => Promise.resolve(['score', 'pass_fail']),
  eraseRelatedWorkflows: () => Promise.resolve([]),
  stopOnGreenhouseEvent: signalGreenhouseStop,
  pages: [],
  operatorActions: { resend: false, extend: false, forceComplete: false },
  async operatorDetail(db, journeyId) {
    const order = await db.vendorOrder.findUnique({ where: { journeyId } });
    if (!order) return {};
    return {
      order: {
        packageId: order.packageId,
        packageVersion: order.packageVersion,
        inviteDelivery: order.inviteDelivery,
        status: order.status,
        progressPercent: order.progressPercent,
        openedAt: order.openedAt,
        startedAt: order.startedAt,
        resultAcceptedAt: order.resultAcceptedAt,
      },
    };
  },
} as const satisfies JourneyKindModule<'vendor_hosted', VendorPackageDefinition>;
