import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from '../config/config.js';

/** What both Connection.connect (client) and NativeConnection.connect (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** false → plaintext gRPC; an object → TLS with these settings (empty: the system's roots). */
  tls: TLSConfig | false;
  apiKey?: string;
}

export type TemporalConnectionConfig = Pick<
  Config,
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

/**
 * The one place that turns configuration into Temporal connection options (API, worker, the
 * worker's own client, scripts): TLS, mTLS and the API key. config/config.ts has already checked
 * that the files exist and that a certificate comes with its key; they are read here, at start.
 *
 * TLS is on when TEMPORAL_TLS=on, or when it is unset and anything TLS-ish or an API key is
 * configured: an API key is a bearer secret and goes in clear only when TEMPORAL_TLS=off says so.
 */
export function temporalConnectionOptions(
  address: string,
  config: TemporalConnectionConfig,
): TemporalConnectionOptions {
  const tlsImplied =
    !!config.TEMPORAL_TLS_CA_PATH ||
    !!config.TEMPORAL_TLS_CERT_PATH ||
    !!config.TEMPORAL_TLS_SERVER_NAME ||
    !!config.TEMPORAL_API_KEY;
  const useTls = config.TEMPORAL_TLS ? config.TEMPORAL_TLS === 'on' : tlsImplied;
  const apiKey = config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {};
  if (!useTls) return { address, tls: false, ...apiKey };

  const tls: TLSConfig = {};
  if (config.TEMPORAL_TLS_CA_PATH) tls.serverRootCACertificate = readFileSync(config.TEMPORAL_TLS_CA_PATH);
  if (config.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
  if (config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH) {
    tls.clientCertPair = {
      crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH),
      key: readFileSync(config.TEMPORAL_TLS_KEY_PATH),
    };
  }
  return { address, tls, ...apiKey };
}
