import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

/** What /metrics serves, and the bearer token Prometheus must present to read it. */
export interface HealthServerMetrics {
  scrape(): Promise<string>;
  contentType: string;
  /** OPERATOR_API_KEY: unset → /metrics answers 503, like the API's operator surface. */
  bearerToken: string | undefined;
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
      if (!expected) {
        return send(503, {
          error: { code: 'operator_api_disabled', message: 'no operator key is configured' },
        });
      }
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!match || !timingSafeEqual(sha256(match[1]!), expected)) {
        return send(401, {
          error: {
            code: 'unauthorized',
            message: 'a valid operator key is required (Authorization: Bearer …)',
          },
        });
      }
      metrics.scrape().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => send(500, { error: { code: 'internal', message: 'metrics could not be collected' } }),
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
