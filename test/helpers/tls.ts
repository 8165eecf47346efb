import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a test PKI: one CA, a server certificate for `serverName` and 127.0.0.1, a client's. */
export interface TestPki {
  caPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** A client certificate from another CA, which the server must refuse. */
  strangerCertPath: string;
  strangerKeyPath: string;
  serverName: string;
}

/**
 * Generates the PKI with the machine's openssl (P-256 keys, X.509 v3 with the extensions rustls and
 * Node insist on: CA:TRUE on the CA, subjectAltName and extendedKeyUsage on the leaves). openssl
 * rather than an npm library: it is on every machine this runs on (CI installs Debian's) and one
 * command per certificate is shorter than building certificates by hand.
 */
export async function createTestPki(dir: string, serverName = 'temporal.test'): Promise<TestPki> {
  const file = (name: string) => path.join(dir, name);
  /** A new P-256 key, unencrypted, written to `<name>.key`. */
  const newKey = (name: string) => [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    file(`${name}.key`),
  ];
  const ca = async (name: string) =>
    run('openssl', [
      'req',
      '-x509',
      ...newKey(name),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  const leaf = async (name: string, signer: string, extensions: string) => {
    await run('openssl', ['req', ...newKey(name), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`]);
    await writeFile(file(`${name}.ext`), extensions);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${signer}.crt`),
      '-CAkey',
      file(`${signer}.key`),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
    ]);
  };
  await ca('ca');
  await ca('stranger-ca');
  await leaf(
    'server',
    'ca',
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${serverName},IP:127.0.0.1\n`,
  );
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  await leaf('client', 'ca', clientExt);
  await leaf('stranger', 'stranger-ca', clientExt);
  return {
    caPath: file('ca.crt'),
    serverCertPath: file('server.crt'),
    serverKeyPath: file('server.key'),
    clientCertPath: file('client.crt'),
    clientKeyPath: file('client.key'),
    strangerCertPath: file('stranger.crt'),
    strangerKeyPath: file('stranger.key'),
    serverName,
  };
}

export interface TlsProxy {
  /** host:port of the TLS endpoint. */
  address: string;
  /** Connections whose client certificate was verified, and handshakes refused. */
  stats: { authorized: number; refused: number };
  close(): Promise<void>;
}

/**
 * A TLS-terminating TCP proxy in front of a plaintext gRPC port, as a load balancer in front of
 * Temporal would be: the Temporal CLI's dev server cannot serve TLS itself (no TLS flags on
 * `server start-dev` in CLI 1.5.1). With `requireClientCert`, a client without a certificate from
 * the CA is refused in the handshake (mTLS). ALPN h2, as gRPC clients ask for it.
 */
export async function startTlsProxy(options: {
  target: string;
  pki: TestPki;
  requireClientCert: boolean;
}): Promise<TlsProxy> {
  const [key, cert, ca] = await Promise.all(
    [options.pki.serverKeyPath, options.pki.serverCertPath, options.pki.caPath].map((p) => readFile(p)),
  );
  const [targetHost, targetPort] = options.target.split(':') as [string, string];
  const stats = { authorized: 0, refused: 0 };
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      key,
      cert,
      ca,
      requestCert: options.requireClientCert,
      rejectUnauthorized: options.requireClientCert,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      if (client.authorized) stats.authorized++;
      const upstream = net.connect(Number(targetPort), targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    },
  );
  server.on('tlsClientError', () => stats.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
