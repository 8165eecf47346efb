import { Runtime } from '@temporalio/worker';
import type { Logger } from '../observability/logger.js';

/**
 * Installs the Temporal Runtime (once per process, before any connection or worker exists).
 *
 * Temporal Core's metrics (task slots, poll and schedule-to-start latencies, sticky cache, …)
 * come from Core's own Prometheus exporter, bound to loopback only. The worker does not expose
 * that port: its /metrics (on the health port, observability/health-server.ts) serves our
 * registry followed by Core's text fetched from here, so Prometheus scrapes one authenticated
 * endpoint per worker and Core's exporter stays private. Names never collide: ours start with
 * `greenroom_` (plus prom-client's `process_`/`nodejs_`), Core's with `temporal_`.
 *
 * Port 0 turns Core's metrics off. A busy port (another worker on the same host) must not stop
 * the worker: it runs without Core's metrics and says so.
 */
export function installWorkerRuntime(options: { temporalMetricsPort: number; log: Logger }): {
  temporalMetricsUrl: string | null;
} {
  // The SDK installs its own signal handlers; ours (workers/main.ts) decide the order of shutdown.
  const base = { shutdownSignals: [] as NodeJS.Signals[] };
  if (options.temporalMetricsPort === 0) {
    Runtime.install(base);
    return { temporalMetricsUrl: null };
  }
  const bindAddress = `127.0.0.1:${options.temporalMetricsPort}`;
  try {
    Runtime.install({ ...base, telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
    return { temporalMetricsUrl: `http://${bindAddress}/metrics` };
  } catch (err) {
    options.log.warn(
      { err: err instanceof Error ? err.message : String(err), bindAddress },
      'Temporal Core metrics are off: their exporter could not start',
    );
    Runtime.install(base);
    return { temporalMetricsUrl: null };
  }
}
