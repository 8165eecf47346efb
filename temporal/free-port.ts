import net from 'node:net';

/** Asks the kernel for a free loopback port (tools like the Temporal CLI cannot bind port 0). */
export function freePort(host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `n` different free loopback ports. With `below`, tried at random under it (the kernel's own
 * picks are 32768 and up: too high for the Temporal server's membership ports, stored as smallint).
 */
export async function freePorts(
  n: number,
  { host = '127.0.0.1', below }: { host?: string; below?: number } = {},
) {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < n; tries++) {
    if (tries > 100 * n) throw new Error(`no ${n} free ports${below ? ` below ${below}` : ''} on ${host}`);
    const wanted = below ? 10_000 + Math.floor(Math.random() * (below - 10_000)) : 0;
    const port = await freePort(host, wanted).catch(() => undefined);
    if (port) ports.add(port);
  }
  return [...ports];
}
