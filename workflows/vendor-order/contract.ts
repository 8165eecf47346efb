import type { JourneyInputBase } from '../shared/contract.js';
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
