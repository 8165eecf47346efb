// Prints the path of the Temporal CLI, building it with Go on first use (see temporal/cli-binary.ts).
import { provideTemporalCli } from '../temporal/cli-binary.js';

const cli = await provideTemporalCli({ log: (line) => process.stderr.write(`${line}\n`) });
if (!cli) {
  process.stderr.write('no Temporal CLI and no Go toolchain: the SDK will download a dev server at start\n');
  process.exit(1);
}
console.log(cli.path);
process.stderr.write(`temporal CLI from ${cli.source}\n`);
