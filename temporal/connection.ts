import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  /** temporal/data-converter.ts: payloads are encrypted, so every client needs it. */
  dataConverter: DataConverter;
}

/** One gRPC connection and client per process; close the connection on shutdown. */
export async function connectTemporalClient({
  address,
  namespace,
  dataConverter,
}: TemporalClientOptions): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, dataConverter });
}
