import { credentialRevoked } from '../../faults/credential-revoked.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

smokeTest(credentialRevoked, { timeoutMs: 300_000 });
