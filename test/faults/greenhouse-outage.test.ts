import { greenhouseOutage } from '../../faults/greenhouse-outage.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(greenhouseOutage);
