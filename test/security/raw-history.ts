import type { Payload } from '@temporalio/common';

/** A history as Temporal returns it to a client without codec (proto objects). */
type History = object;

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/**
 * Everything a history holds, as text: each bytes field both as base64 and as UTF-8 (a name in a
 * plain JSON payload shows in the UTF-8 form; base64 covers the rest), every other field as JSON.
 */
export function rawHistoryText(history: History): string {
  return JSON.stringify(history, (_key, value: unknown) => {
    if (isBytes(value)) {
      const bytes = Buffer.from(value);
      return {
        base64: bytes.toString('base64'),
        utf8: bytes.toString('utf8'),
        latin1: bytes.toString('latin1'),
      };
    }
    return typeof value === 'bigint' ? String(value) : value;
  });
}

/** Every payload in a history (a `data` bytes field beside a `metadata` map), with where it is. */
export function rawPayloadsOf(history: History): { path: string; payload: Payload }[] {
  const found: { path: string; payload: Payload }[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== 'object' || isBytes(value)) return;
    const record = value as Record<string, unknown>;
    if (
      record.metadata &&
      typeof record.metadata === 'object' &&
      (isBytes(record.data) || 'data' in record)
    ) {
      const metadata = record.metadata as Record<string, unknown>;
      if (Object.values(metadata).every(isBytes) && isBytes(record.metadata && metadata.encoding)) {
        found.push({ path, payload: record as Payload });
        return;
      }
    }
    for (const [k, v] of Object.entries(record)) walk(v, `${path}.${k}`);
  };
  walk(history, 'history');
  return found;
}
