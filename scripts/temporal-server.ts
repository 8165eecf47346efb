// Prints the folder of the real Temporal server build (server, schema tool, schema, config template),
// building it with Go on first use (see temporal/server-binary.ts). The deploy test runs it.
import path from 'node:path';
import { provideTemporalServer } from '../temporal/server-binary.js';

const built = await provideTemporalServer({ log: (line) => process.stderr.write(`${line}\n`) });
console.log(path.dirname(built.server));
process.stderr.write(`temporal server from ${built.source}\n`);
