import type { Scenario } from '../harness/scenario.js';
import { bulkInviteThroughput } from './bulk-invite-throughput.js';
import { idleJourneys } from './idle-journeys.js';
import { submissionLatency } from './submission-latency.js';
import { testStatusLoad } from './test-status-load.js';
import { writebackRateLimit } from './writeback-rate-limit.js';
import { vendorEvents } from './vendor-events.js';
import { vendorResultLatency } from './vendor-result-latency.js';

/** Every benchmark, in the order `npm run bench` runs them (issue 9's numbering). */
export const benchmarks: Scenario[] = [
  bulkInviteThroughput,
  writebackRateLimit,
  testStatusLoad,
  idleJourneys,
  submissionLatency,
  vendorEvents,
  vendorResultLatency,
];
