import { Client, Connection } from '@temporalio/client';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
}

/** One gRPC connection and client per process; close the connection on shutdown. */
export async function connectTemporalClient({ address, namespace }: TemporalClientOptions): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}
