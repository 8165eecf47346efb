import { submissionLatency } from '../../bench/submission-latency.js';
import { smokeTest } from '../helpers/scenario-smoke.js';

// Two phases (capacity, then latency) and a baseline: longer than the other smoke runs.
smokeTest(submissionLatency, { timeoutMs: 600_000 });
