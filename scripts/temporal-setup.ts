// One-shot set-up of a Temporal server we did not start (production): registers our custom search
// attributes in TEMPORAL_NAMESPACE. Safe to run on every deploy.
import { Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../config/config.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';

const config = loadConfigOrExit();
if (!config.TEMPORAL_ADDRESS) {
  process.stderr.write('greenroom: TEMPORAL_ADDRESS is required (the dev server registers them itself)\n');
  process.exit(2);
}
const connection = await Connection.connect(temporalConnectionOptions(config.TEMPORAL_ADDRESS, config));
try {
  const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  console.log(
    added.length
      ? `registered search attributes: ${added.join(', ')}`
      : 'search attributes already registered',
  );
} finally {
  await connection.close();
}
