import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TemporalConnectionOptions } from './connection-options.js';

export interface TemporalClientOptions {
  /** temporal/connection-options.ts: address, TLS/mTLS and API key from the configuration. */
  connection: TemporalConnectionOptions;
  namespace: string;
  /** temporal/data-converter.ts: payloads are encrypted, so every client needs it. */
  dataConverter: DataConverter;
}

/** One gRPC connection and client per process; close the connection on shutdown. */
export async function connectTemporalClient({
  connection: options,
  namespace,
  dataConverter,
}: TemporalClientOptions): Promise<Client> {
  const connection = await Connection.connect(options);
  return new Client({ connection, namespace, dataConverter });
}
