import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { Database } from '../../db/client.js';

/**
 * What an erasure test searches for personal data: every row of every table, and every workflow
 * history as someone with the payload codec reads it (payloads decoded as the Temporal UI would,
 * plus every plain string of the history: failure messages, ids, search attributes).
 */

/** Every row of every table of our database, as text. */
export async function everyRow(db: Database): Promise<string> {
  const tables = await db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const dumps: string[] = [];
  for (const { table_name } of tables) {
    const rows = await db.$queryRawUnsafe<{ row: string }[]>(
      `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
    );
    dumps.push(...rows.map((r) => r.row));
  }
  return dumps.join('\n');
}

/** A workflow's history: decoded payloads and every other string in it. */
export async function historyText(temporal: Client, workflowId: string): Promise<string> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  let payloads: Payload[] = [];
  const strings: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') return void strings.push(node);
    if (!node || typeof node !== 'object' || node instanceof Uint8Array) return;
    const candidate = node as { metadata?: unknown; data?: unknown };
    if (candidate.metadata && candidate.data instanceof Uint8Array) payloads.push(node as Payload);
    else for (const value of Object.values(node)) walk(value);
  };
  walk(history);
  // Search attributes are never encoded: decode the encrypted payloads, read the plain ones as they are.
  const isEncrypted = (p: Payload) =>
    Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString('utf8') === 'binary/encrypted';
  const plain = payloads.filter((p) => !isEncrypted(p));
  payloads = payloads.filter(isEncrypted);
  const codecs = temporal.options.loadedDataConverter.payloadCodecs;
  for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
  return [...plain, ...payloads]
    .map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'))
    .concat(strings)
    .join('\n');
}
