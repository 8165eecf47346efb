// `npm run faults -- [scenario …] [--smoke] [--<parameter>=<number> …]`: see README.md, "Benchmarks and faults".
import { runFromCommandLine } from '../harness/scenario.js';
import { faultScenarios } from './index.js';

// Exit explicitly: a stack's last sockets may keep the event loop alive for seconds after close.
process.exit(await runFromCommandLine(faultScenarios, process.argv.slice(2)));
