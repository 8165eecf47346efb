import { temporalRestart } from '../../faults/temporal-restart.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(temporalRestart);
