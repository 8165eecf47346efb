import proto from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import { customSearchAttributes } from '../domain/search-attributes.js';

// CommonJS package: default import, then destructure (named ESM imports fail under plain Node).
const { IndexedValueType } = proto.temporal.api.enums.v1;

const indexedType: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers our custom search attributes on a Temporal server that did not get them at start
 * (production servers; the dev server gets them as flags). Idempotent: adds only what is missing.
 * Returns the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const present = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = customSearchAttributes.filter((key) => !present.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedType[key.type]!])),
  });
  return missing.map((key) => key.name);
}
