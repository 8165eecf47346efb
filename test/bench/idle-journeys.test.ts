import { idleJourneys } from '../../bench/idle-journeys.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

// Seven settled RSS readings (three checkpoints for each worker, one before the upload), each at
// least 8 s of stable samples, and three uploads: longer than the default bound on a loaded machine.
smokeTest(idleJourneys, { timeoutMs: 600_000 });
