import { setHandler } from '@temporalio/workflow';
import {
  orderStartedSignal,
  submitResultUpdate,
  type VendorOrderJourneyInput,
  type VendorOrderJourneyState,
} from './contract.js';
import { VendorOrder } from './vendor-order.js';

/**
 * A vendor-hosted order: begin (order row, order.created) → find the application → invite (or not:
 * vendor delivery) → await the vendor's result (reminders, deadline, cancel) → record → write back.
 * The state and the steps live in VendorOrder; this wires the messages and runs the steps.
 */
export async function vendorOrderJourney(input: VendorOrderJourneyInput): Promise<VendorOrderJourneyState> {
  const journey = new VendorOrder(input);
  journey.handleProtocol();
  setHandler(orderStartedSignal, () => journey.orderStarted());
  setHandler(submitResultUpdate, (r) => journey.submitResult(r), {
    validator: (r) => journey.assertCanSubmit(r),
  });

  return journey.run(async () => {
    await journey.beginOrder();
    await journey.awaitApplication(input.policy.applicationMatch);
    await journey.invite();
    await journey.awaitResult();
    await journey.closeUnlessCompleted();
    await journey.recordResult();
    await journey.writeBackResult();
  });
}
