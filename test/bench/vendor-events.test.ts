import { vendorEvents } from '../../bench/vendor-events.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(vendorEvents);
