// One-shot set-up of a Temporal server we did not start (production): creates TEMPORAL_NAMESPACE
// when the server lacks it (Temporal's server image creates none) and registers our custom search
// attributes in it. Safe to run on every deploy.
import { Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../config/config.js';
import { ensureNamespace, whenNamespaceVisible } from '../temporal/namespace.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';

const config = loadConfigOrExit();
if (!config.TEMPORAL_ADDRESS) {
  process.stderr.write('greenroom: TEMPORAL_ADDRESS is required (the dev server registers them itself)\n');
  process.exit(2);
}
const connection = await Connection.connect(temporalConnectionOptions(config.TEMPORAL_ADDRESS, config));
try {
  const namespace = config.TEMPORAL_NAMESPACE;
  if (await ensureNamespace(connection, namespace, config.TEMPORAL_NAMESPACE_RETENTION_DAYS)) {
    console.log(`created namespace ${namespace}`);
  }
  const added = await whenNamespaceVisible(() => ensureSearchAttributes(connection, namespace));
  console.log(
    added.length
      ? `registered search attributes: ${added.join(', ')}`
      : 'search attributes already registered',
  );
} finally {
  await connection.close();
}
