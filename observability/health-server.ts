import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

/** What /metrics serves, and the bearer token Prometheus must present to read it. */
export interface HealthServerMetrics {
  scrape(): Promise<string>;
  contentType: string;
  /** OPERATOR_API_KEY: unset (and no `acceptKey`) → /metrics answers 503, like the API's operator surface. */
  bearerToken: string | undefined;
  /** Other keys that may read /metrics (operator keys from the database, e.g. Prometheus's `metrics` key). */
  acceptKey?: (presented: string) => Promise<boolean>;
}

/**
 * A bare /healthz + /readyz server for processes without an HTTP API (the worker), so that
 * orchestrators probe every process the same way. With `metrics`, also /metrics (Prometheus text,
 * `Authorization: Bearer <operator key>`).
 */
export function startHealthServer(options: {
  port: number;
  host: string;
  isReady: () => boolean;
  metrics?: HealthServerMetrics;
}): Promise<http.Server> {
  const expected = options.metrics?.bearerToken ? sha256(options.metrics.bearerToken) : null;
  const server = http.createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      return options.isReady() ? send(200, { status: 'ready' }) : send(503, { status: 'not_ready' });
    }
    if (path === '/metrics' && options.metrics) {
      const metrics = options.metrics;
      if (!expected && !metrics.acceptKey) {
        return send(503, {
          error: { code: 'operator_api_disabled', message: 'no operator key is configured' },
        });
      }
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const presented = match?.[1];
      const unauthorized = () =>
        send(401, {
          error: {
            code: 'unauthorized',
            message: 'a valid operator key is required (Authorization: Bearer …)',
          },
        });
      const scrape = () =>
        metrics.scrape().then(
          (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
          () => send(500, { error: { code: 'internal', message: 'metrics could not be collected' } }),
        );
      if (!presented) return unauthorized();
      if (expected && timingSafeEqual(sha256(presented), expected)) return void scrape();
      if (!metrics.acceptKey) return unauthorized();
      metrics.acceptKey(presented).then(
        (ok) => (ok ? scrape() : unauthorized()),
        () => send(500, { error: { code: 'internal', message: 'the key could not be checked' } }),
      );
      return;
    }
    send(404, {
      error: {
        code: 'not_found',
        message: `only /healthz, /readyz${options.metrics ? ' and /metrics' : ''} live here`,
      },
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
