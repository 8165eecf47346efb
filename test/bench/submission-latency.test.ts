import { submissionLatency } from '../../bench/submission-latency.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(submissionLatency);
