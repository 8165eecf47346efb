// Every workflow type the worker registers. Workflow code is bundled for Temporal's deterministic
// sandbox: import only from domain/ and workflows/ (contracts hold the activity *types*; enforced by eslint).
export { probeJourney } from './probe/probe-journey.js';
export { assessmentJourney } from './assessment/assessment-journey.js';
export { referenceCheckJourney } from './reference-check/reference-check-journey.js';
export { refereeRequest } from './reference-check/referee-request.js';
export { bulkInvite } from './bulk-invite/bulk-invite.js';
export { reconcileTenant } from './reconciliation/reconcile-tenant.js';
export { refreshGreenhouseTokens } from './connections/refresh-greenhouse-tokens.js';
export { retentionSweep } from './retention/retention-sweep.js';

export { deliverVendorEvent } from './vendor-events/deliver-vendor-event.js';

export { vendorOrderJourney } from './vendor-order/vendor-order-journey.js';
export { rotateLaunchKeys } from './launch-keys/rotate-launch-keys.js';

export { failedJourneySweep } from './failed-sweep/failed-sweep.js';

export { reportLinkNotice } from './report-link/report-link-notice.js';
