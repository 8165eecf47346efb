import { writebackRateLimit } from '../../bench/writeback-rate-limit.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(writebackRateLimit);
