import type { Scenario } from '../harness/scenario.js';
import { databaseRestart } from './database-restart.js';
import { greenhouseOutage } from './greenhouse-outage.js';
import { temporalRestart } from './temporal-restart.js';
import { workerKills } from './worker-kills.js';
import { credentialRevoked } from './credential-revoked.js';

/** Every fault scenario, in the order `npm run faults` runs them. */
export const faultScenarios: Scenario[] = [
  workerKills,
  greenhouseOutage,
  temporalRestart,
  databaseRestart,
  credentialRevoked,
];
