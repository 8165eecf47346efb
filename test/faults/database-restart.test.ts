import { databaseRestart } from '../../faults/database-restart.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(databaseRestart);
