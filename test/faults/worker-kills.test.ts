import { workerKills } from '../../faults/worker-kills.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(workerKills);
