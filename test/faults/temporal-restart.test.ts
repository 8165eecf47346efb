import { temporalRestart } from '../../faults/temporal-restart.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

// Waits on progress with a 300 s cap: a loaded CI machine can take minutes for the first submissions.
smokeTest(temporalRestart, { timeoutMs: 600_000 });
