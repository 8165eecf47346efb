import { testStatusLoad } from '../../bench/test-status-load.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(testStatusLoad);
