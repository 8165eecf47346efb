import { vendorResultLatency } from '../../bench/vendor-result-latency.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(vendorResultLatency, { timeoutMs: 600_000 });
