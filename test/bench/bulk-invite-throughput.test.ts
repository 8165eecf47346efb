import { bulkInviteThroughput } from '../../bench/bulk-invite-throughput.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(bulkInviteThroughput);
