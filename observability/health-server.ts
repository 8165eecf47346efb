import http from 'node:http';

/**
 * A bare /healthz + /readyz server for processes without an HTTP API (the worker), so that
 * orchestrators probe every process the same way.
 */
export function startHealthServer(options: {
  port: number;
  host: string;
  isReady: () => boolean;
}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return send(200, { status: 'ok' });
    if (req.url === '/readyz') {
      return options.isReady() ? send(200, { status: 'ready' }) : send(503, { status: 'not_ready' });
    }
    send(404, { error: { code: 'not_found', message: 'only /healthz and /readyz live here' } });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
