import { idleJourneys } from '../../bench/idle-journeys.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(idleJourneys);
